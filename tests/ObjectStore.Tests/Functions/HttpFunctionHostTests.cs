using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
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

        [Function("Fail")]
        public Task<IResult> Fail([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fail")] HttpRequest request) =>
            throw new InvalidOperationException("the function broke");
    }

    /// <summary>Starts the host once for the class and stops it after the last test.</summary>
    public sealed class Host : IAsyncLifetime
    {
        private LocalFunctionsApp? _app;

        public HttpClient Client { get; } = new(new SocketsHttpHandler { UseProxy = false });

        public string BaseUrl { get; private set; } = string.Empty;

        public async Task InitializeAsync()
        {
            var builder = LocalFunctionsHost.CreateBuilder(
                ["--LISTEN_ADDRESS=127.0.0.1:0", "--extensions:http:routePrefix="],
                [typeof(HelloFunctions)],
                "test-host");
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
    public async Task A_function_that_throws_gets_500_with_a_json_error()
    {
        using var response = await host.Client.GetAsync(new Uri("fail", UriKind.Relative));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Contains("Fail", error, StringComparison.Ordinal);
    }
}
