using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ObjectStore.Functions.Hosting;

namespace ObjectStore.Tests.Functions;

/// <summary>The function host's HTTP side on a real Kestrel on loopback; no RabbitMQ, no Azurite.</summary>
public sealed class HttpFunctionHostTests(HttpFunctionHostTests.Host host) : IClassFixture<HttpFunctionHostTests.Host>
{
    public sealed class HelloFunctions
    {
        [Function("Hello")]
        public IResult Hello([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest request) => Results.Text("hello");

        [Function("Greet")]
        public async Task<IResult> Greet([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "greet/{name}")] HttpRequest request, string name)
        {
            await Task.Yield();
            return Results.Text($"hello {name}");
        }

        [Function("Count")]
        public int Count([HttpTrigger(AuthorizationLevel.Anonymous, "post", "PUT", Route = "count")] HttpRequest request) => 42;

        [Function("Nothing")]
        public Task Nothing([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "nothing")] HttpRequest request) => Task.CompletedTask;

        [Function("Upload")]
        public async Task<IResult> Upload([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "upload")] HttpRequest request)
        {
            var read = 0L;
            var buffer = new byte[4096];
            for (int n; (n = await request.Body.ReadAsync(buffer)) > 0;)
            {
                read += n;
            }

            return Results.Text($"read {read}");
        }

        [Function("Fail")]
        public Task<IResult> Fail([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fail")] HttpRequest request) =>
            throw new InvalidOperationException("the function broke");
    }

    /// <summary>Starts the host once for the class and stops it after the last test.</summary>
    public sealed class Host : IAsyncLifetime
    {
        private LocalFunctionsApp? _app;

        public HttpClient Client { get; } = new(new SocketsHttpHandler { UseProxy = false });

        public RecordingLoggerProvider Logs { get; } = new();

        public string BaseUrl { get; private set; } = string.Empty;

        public async Task InitializeAsync()
        {
            var builder = LocalFunctionsHost.CreateBuilder(
                ["--LISTEN_ADDRESS=127.0.0.1:0", "--extensions:http:routePrefix="],
                [typeof(HelloFunctions)],
                "test-host");
            builder.Logging.AddProvider(Logs);
            _app = builder.Build();
            await _app.StartAsync();
            BaseUrl = _app.BaseUrl.TrimEnd('/');
            Client.BaseAddress = new Uri(BaseUrl + "/");
        }

        public async Task DisposeAsync()
        {
            Client.Dispose();
            if (_app is not null)
            {
                await _app.StopAsync();
                await _app.DisposeAsync();
            }
        }
    }

    private static async Task<string> ErrorOf(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("error").GetString();
        Assert.False(string.IsNullOrWhiteSpace(error));
        return error!;
    }

    [Fact]
    public void Binds_to_a_real_port_on_loopback()
    {
        var url = new Uri(host.BaseUrl);

        Assert.Equal("127.0.0.1", url.Host);
        Assert.NotEqual(0, url.Port);
    }

    [Fact]
    public async Task A_get_function_answers_at_its_name_without_a_route_prefix()
    {
        using var response = await host.Client.GetAsync(new Uri("Hello", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_route_value_binds_to_a_string_parameter()
    {
        using var response = await host.Client.GetAsync(new Uri("greet/ada%20lovelace", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello ada lovelace", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_plain_result_is_written_as_json()
    {
        using var response = await host.Client.PutAsync(new Uri("count", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("42", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_function_without_a_result_answers_204()
    {
        using var response = await host.Client.DeleteAsync(new Uri("nothing", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Theory]
    [InlineData("POST", "greet/ada")]
    [InlineData("DELETE", "Hello")]
    [InlineData("GET", "count")]
    public async Task Another_method_on_a_known_route_gets_405_with_a_json_error(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        await ErrorOf(response);
    }

    [Theory]
    [InlineData("no/such/route")]
    [InlineData("api/Hello")]
    public async Task An_unknown_path_gets_404_with_a_json_error(string path)
    {
        using var response = await host.Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await ErrorOf(response);
    }

    [Fact]
    public async Task A_malformed_body_gets_400_with_a_json_error_not_500()
    {
        // "zz" is no chunk size: Kestrel's body reader throws inside the function.
        var text = await RawExchangeAsync("PUT /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", closeAfterSending: false);

        Assert.StartsWith("HTTP/1.1 400 ", text, StringComparison.Ordinal);
        Assert.Contains("Upload: bad request", text, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Level >= LogLevel.Error && e.Message.Contains("Upload", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_body_cut_short_by_a_client_that_went_away_is_logged_as_its_bad_request_not_as_a_failure()
    {
        // 100 bytes promised, 10 sent, then the client's side closes: an upload whose client died midway.
        await RawExchangeAsync("PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789", closeAfterSending: true);

        var logged = await host.Logs.WaitForAsync(e => e.Message.StartsWith("Upload: bad request", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Equal(LogLevel.Information, logged.Level);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Level >= LogLevel.Error && e.Message.Contains("Upload", StringComparison.Ordinal));
    }

    /// <summary>Sends <paramref name="request"/> as is and reads what comes back until the server closes or resets the connection.</summary>
    private async Task<string> RawExchangeAsync(string request, bool closeAfterSending)
    {
        var url = new Uri(host.BaseUrl);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(url.Host, url.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        if (closeAfterSending)
        {
            socket.Shutdown(SocketShutdown.Send);
        }

        var answer = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            for (int n; (n = await socket.ReceiveAsync(buffer)) > 0;)
            {
                answer.Write(buffer, 0, n);
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Kestrel resets a connection whose request body ended early; what was answered before stays in answer.
        }

        return Encoding.ASCII.GetString(answer.ToArray());
    }

    [Fact]
    public async Task A_function_that_throws_gets_500_with_a_json_error()
    {
        using var response = await host.Client.GetAsync(new Uri("fail", UriKind.Relative));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Contains("Fail", error, StringComparison.Ordinal);
    }

    /// <summary>Keeps every log entry of the host, to tell how a request's end was judged.</summary>
    public sealed class RecordingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries = new();

        public IReadOnlyCollection<(LogLevel Level, string Message)> Entries => _entries;

        public ILogger CreateLogger(string categoryName) => new Logger(_entries);

        public async Task<(LogLevel Level, string Message)> WaitForAsync(Func<(LogLevel Level, string Message), bool> match, TimeSpan timeout)
        {
            using var deadline = new CancellationTokenSource(timeout);
            while (true)
            {
                foreach (var entry in _entries)
                {
                    if (match(entry))
                    {
                        return entry;
                    }
                }

                await Task.Delay(20, deadline.Token);
            }
        }

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<(LogLevel, string)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
