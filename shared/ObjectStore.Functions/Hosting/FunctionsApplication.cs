using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ObjectStore.Functions.Http;
using ObjectStore.Functions.RabbitMQ;
using ObjectStore.Functions.Timers;

namespace ObjectStore.Functions.Hosting;

/// <summary>Entry point with the shape of the isolated worker's <c>FunctionsApplication.CreateBuilder</c>.</summary>
public static class FunctionsApplication
{
    public static FunctionsApplicationBuilder CreateBuilder(string[] args, Assembly? functionsAssembly = null)
    {
        var assembly = functionsAssembly ?? Assembly.GetEntryAssembly()
            ?? throw new InvalidOperationException("No entry assembly to discover functions in.");
        return new FunctionsApplicationBuilder(args, assembly.GetTypes(), assembly.GetName().Name ?? "functions");
    }

    /// <summary>For tests: host exactly these function classes.</summary>
    public static FunctionsApplicationBuilder CreateBuilder(string[] args, IEnumerable<Type> functionTypes, string hostId) =>
        new(args, functionTypes, hostId);
}

public sealed class FunctionsApplicationBuilder
{
    private readonly WebApplicationBuilder _web;
    private readonly IEnumerable<Type> _functionTypes;
    private readonly string _defaultHostId;

    internal FunctionsApplicationBuilder(string[] args, IEnumerable<Type> functionTypes, string defaultHostId)
    {
        _functionTypes = functionTypes;
        _defaultHostId = defaultHostId.ToLowerInvariant();
        _web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        _web.Configuration.Sources.Clear();
        _web.Configuration.AddFunctionsConfiguration(AppContext.BaseDirectory, args);
        _web.Logging.ClearProviders();
        _web.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
    }

    public IServiceCollection Services => _web.Services;

    public ConfigurationManager Configuration => _web.Configuration;

    public ILoggingBuilder Logging => _web.Logging;

    public FunctionsApp Build()
    {
        var options = FunctionHostOptions.From(_web.Configuration, _defaultHostId);
        var functions = FunctionDiscovery.Discover(_functionTypes);
        foreach (var function in functions.Where(f => f.Trigger is TimerTriggerAttribute))
        {
            // Fail at start-up, not at the first tick, on a schedule that does not parse.
            TimerTriggerListener.ParseSchedule(((TimerTriggerAttribute)function.Trigger).Schedule, _web.Configuration);
        }

        Services.AddSingleton(options);
        Services.TryAddSingleton(TimeProvider.System);
        Services.TryAddSingleton<RabbitMQConnections>();
        Services.TryAddSingleton<RabbitMQBus>();
        Services.TryAddSingleton<SingletonLock>();
        foreach (var function in functions)
        {
            switch (function.Trigger)
            {
                case RabbitMQTriggerAttribute:
                    Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<RabbitMQTriggerListener>(sp, function));
                    break;
                case TimerTriggerAttribute:
                    Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<TimerTriggerListener>(sp, function));
                    break;
            }
        }

        _web.WebHost.UseUrls($"http://{options.ListenAddress}");
        _web.WebHost.ConfigureKestrel(kestrel =>
        {
            // Objects have no size cap here; the store streams them.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.AddServerHeader = false;
        });
        Services.AddRouting();

        var app = _web.Build();
        app.UseStatusCodePages(context =>
        {
            var response = context.HttpContext.Response;
            return ErrorResults.WriteAsync(response, response.StatusCode, ReasonPhrases.GetReasonPhrase(response.StatusCode), context.HttpContext.RequestAborted);
        });
        foreach (var function in functions)
        {
            if (function.Trigger is HttpTriggerAttribute http)
            {
                HttpFunctionEndpoint.Map(app, function, http, options);
            }
        }

        return new FunctionsApp(app, functions, options);
    }
}

/// <summary>A built function app: run it, or start and stop it from a test.</summary>
public sealed class FunctionsApp(WebApplication app, IReadOnlyList<FunctionDescriptor> functions, FunctionHostOptions options) : IAsyncDisposable
{
    public IServiceProvider Services => app.Services;

    public IReadOnlyList<FunctionDescriptor> Functions => functions;

    /// <summary>The base URL Kestrel bound, e.g. <c>http://127.0.0.1:7071</c>; known once started.</summary>
    public string BaseUrl =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
        ?? $"http://{options.ListenAddress}";

    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        Console.Out.Write(FunctionBanner.Render(functions, BaseUrl, options.RoutePrefix, app.Configuration));
        Console.Out.Flush();
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => app.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => app.DisposeAsync();
}

/// <summary>The list <c>func start</c> prints: each function, its trigger, and for HTTP the URL.</summary>
public static class FunctionBanner
{
    public static string Render(IEnumerable<FunctionDescriptor> functions, string baseUrl, string routePrefix, IConfiguration configuration)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        writer.WriteLine();
        writer.WriteLine("Functions:");
        writer.WriteLine();
        foreach (var function in functions)
        {
            var detail = function.Trigger switch
            {
                HttpTriggerAttribute http => $"[{string.Join(",", http.Methods)}] {baseUrl.TrimEnd('/')}/{HttpFunctionEndpoint.Pattern(function, http, routePrefix)}",
                RabbitMQTriggerAttribute rabbit => rabbit.Exchange is { } exchange
                    ? $"rabbitMQTrigger (exchange {SettingExpression.Resolve(exchange, configuration)})"
                    : $"rabbitMQTrigger (queue {SettingExpression.Resolve(rabbit.QueueName!, configuration)})",
                TimerTriggerAttribute timer => $"timerTrigger ({SettingExpression.Resolve(timer.Schedule, configuration)}{(timer.Singleton ? ", singleton" : string.Empty)})",
                var other => other.Kind,
            };
            writer.WriteLine($"        {function.Name}: {detail}");
        }

        writer.WriteLine();
        return writer.ToString();
    }
}
