using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ObjectStore.Functions.Http;
using ObjectStore.Functions.Keys;
using ObjectStore.Functions.RabbitMQ;
using ObjectStore.Functions.Timers;

namespace ObjectStore.Functions.Hosting;

/// <summary>
/// A local runner for Azure Functions isolated-worker apps, for machines without the Functions host and Core Tools:
/// it finds an app's functions by the worker's attributes, reads host.json and local.settings.json as the host does,
/// serves HTTP triggers on Kestrel (with function keys), runs timer triggers (singletons through a blob lease) and
/// RabbitMQ triggers, and prints the <c>func start</c> list. It knows nothing about any particular app.
/// </summary>
public static class LocalFunctionsHost
{
    public static LocalFunctionsHostBuilder CreateBuilder(string[] args, Assembly functionsAssembly) =>
        new(args, functionsAssembly.GetTypes(), functionsAssembly.GetName().Name ?? "functions");

    /// <summary>
    /// Builds and runs the app's functions until shutdown. Anything that stops the start — a bad key, schedule or
    /// trigger, a missing setting, a service that cannot be built — ends it with its message on stderr and exit code 1,
    /// not an unhandled-exception abort (the host has logged the stack trace of a failed service already).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, Assembly functionsAssembly, Action<IServiceCollection, IConfiguration> addServices)
    {
        LocalFunctionsApp app;
        try
        {
            var builder = CreateBuilder(args, functionsAssembly);
            addServices(builder.Services, builder.Configuration);
            app = builder.Build();
        }
        catch (FunctionIndexingException ex)
        {
            return await CannotStartAsync(ex).ConfigureAwait(false);
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.StartAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return await CannotStartAsync(ex).ConfigureAwait(false);
            }

            await app.WaitForShutdownAsync().ConfigureAwait(false);
            return 0;
        }
    }

    private static async Task<int> CannotStartAsync(Exception ex)
    {
        await Console.Error.WriteLineAsync($"local functions host: cannot start: {ex.Message}").ConfigureAwait(false);
        return 1;
    }

    /// <summary>For tests: host exactly these function classes.</summary>
    public static LocalFunctionsHostBuilder CreateBuilder(string[] args, IEnumerable<Type> functionTypes, string hostId) =>
        new(args, functionTypes, hostId);
}

public sealed class LocalFunctionsHostBuilder
{
    private readonly WebApplicationBuilder _web;
    private readonly IEnumerable<Type> _functionTypes;
    private readonly string _defaultHostId;

    internal LocalFunctionsHostBuilder(string[] args, IEnumerable<Type> functionTypes, string defaultHostId)
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

    public LocalFunctionsApp Build()
    {
        var options = FunctionHostOptions.From(_web.Configuration, _defaultHostId);
        var functions = FunctionDiscovery.Discover(_functionTypes);
        foreach (var function in functions)
        {
            // Fail at start-up, not at the first tick or message, on a trigger that cannot work.
            switch (function.Trigger)
            {
                case TimerTriggerAttribute timer:
                    TimerTriggerListener.ParseSchedule(timer.Schedule, _web.Configuration);
                    break;
                case RabbitMQTriggerAttribute:
                    RabbitMQTriggerListener.Check(function, _web.Configuration);
                    break;
            }
        }

        var needsKeys = functions.Any(f => f.Trigger is HttpTriggerAttribute http && HttpFunctionEndpoint.EffectiveLevel(http, options) != AuthorizationLevel.Anonymous);
        if (needsKeys)
        {
            // A malformed key in local.settings.json stops the start here, with the setting's name.
            FunctionKeys.ConfiguredKeys(_web.Configuration);
        }

        Services.AddSingleton(options);
        Services.AddFunctionsRuntime(_web.Configuration, _defaultHostId);
        Services.AddSingleton<SingletonLock>();
        Services.AddSingleton<FunctionKeys>();
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
            // Bodies have no size cap here; apps stream them.
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

        return new LocalFunctionsApp(app, functions, options, needsKeys);
    }
}

/// <summary>A built function app: run it, or start and stop it from a test.</summary>
public sealed class LocalFunctionsApp(WebApplication app, IReadOnlyList<FunctionDescriptor> functions, FunctionHostOptions options, bool needsKeys) : IAsyncDisposable
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

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => app.WaitForShutdownAsync(cancellationToken);

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        HostSecrets? secrets = null;
        if (needsKeys)
        {
            // Before listening: a key-protected route must never answer before it can check keys.
            var keys = app.Services.GetRequiredService<FunctionKeys>();
            await keys.LoadAsync(cancellationToken).ConfigureAwait(false);
            secrets = keys.Secrets;
        }

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        Console.Out.Write(FunctionBanner.Render(functions, BaseUrl, options, app.Configuration, secrets));
        Console.Out.Flush();
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => app.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => app.DisposeAsync();
}

/// <summary>The list <c>func start</c> prints: each function, its trigger, and for HTTP the methods and URL.</summary>
public static class FunctionBanner
{
    public const string KeyLinePrefix = "Function key (x-functions-key header or ?code=): ";

    public static string Render(IEnumerable<FunctionDescriptor> functions, string baseUrl, FunctionHostOptions options, IConfiguration configuration, HostSecrets? secrets)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        writer.WriteLine();
        writer.WriteLine($"Local functions host (isolated-worker app, host id {options.HostId}; not the Azure Functions host)");
        writer.WriteLine();
        writer.WriteLine("Functions:");
        writer.WriteLine();
        foreach (var function in functions)
        {
            var detail = function.Trigger switch
            {
                HttpTriggerAttribute http => $"[{string.Join(",", http.Methods!.Select(m => m.ToUpperInvariant()))}] {baseUrl.TrimEnd('/')}/{HttpFunctionEndpoint.Pattern(function, http, options.RoutePrefix)}"
                    + (HttpFunctionEndpoint.EffectiveLevel(http, options) is var level && level != AuthorizationLevel.Anonymous ? $" ({level.ToString().ToLowerInvariant()} key)" : string.Empty),
                RabbitMQTriggerAttribute rabbit => function.TriggerParameter.GetCustomAttribute<RabbitMQExchangeAttribute>() is { } exchange
                    ? $"rabbitMQTrigger (exchange {SettingExpression.Resolve(exchange.Exchange, configuration)})"
                    : $"rabbitMQTrigger (queue {SettingExpression.Resolve(rabbit.QueueName, configuration)})",
                TimerTriggerAttribute timer => $"timerTrigger ({SettingExpression.Resolve(timer.Schedule, configuration)}"
                    + (function.Method.GetCustomAttribute<RunOnEveryInstanceAttribute>() is null ? ", singleton)" : ", every instance)"),
                _ => function.TriggerType,
            };
            writer.WriteLine($"        {function.Name}: {detail}");
            writer.WriteLine();
        }

        if (secrets?.FunctionKeys.GetValueOrDefault(HostSecrets.DefaultKeyName) is { } key)
        {
            writer.WriteLine(KeyLinePrefix + key);
            writer.WriteLine($"(master key and others: container {HostSecrets.Container}, blob {HostSecrets.BlobName(options.HostId)} in AzureWebJobsStorage)");
            writer.WriteLine();
        }

        return writer.ToString();
    }
}
