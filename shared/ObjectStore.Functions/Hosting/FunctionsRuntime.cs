using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ObjectStore.Functions.Keys;
using ObjectStore.Functions.RabbitMQ;

namespace ObjectStore.Functions.Hosting;

/// <summary>
/// What an app's Program.cs needs to choose and feed its host: the Functions host starts the worker with
/// <c>--functions-uri</c>, <c>--functions-worker-id</c>, <c>--functions-request-id</c> (older hosts: <c>--workerId</c>);
/// anything else (./run, tests, <c>dotnet App.dll</c>) gets the local host.
/// </summary>
public static class FunctionsRuntime
{
    private static readonly string[] WorkerArguments = ["--functions-uri", "--functions-worker-id", "--functions-request-id", "--workerId"];

    public static bool StartedByFunctionsHost(string[] args) =>
        args.Any(a => WorkerArguments.Any(w => a.Equals(w, StringComparison.OrdinalIgnoreCase) || a.StartsWith(w + "=", StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// host.json as the lowest configuration layer, for the real worker: the Functions host reads host.json itself and
    /// never hands it to the worker, but the apps' own sections (and <c>extensions:http:routePrefix</c>) live there.
    /// </summary>
    public static void AddHostJsonDefaults(IConfigurationBuilder configuration, string appDirectory)
    {
        var hostJson = Path.Combine(appDirectory, "host.json");
        if (File.Exists(hostJson))
        {
            configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
            {
                Path = hostJson,
                Optional = true,
                FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(appDirectory),
            });
        }
    }

    /// <summary>Services functions may take under either host: host options, the clock, the shared RabbitMQ connection and bus.</summary>
    public static IServiceCollection AddFunctionsRuntime(this IServiceCollection services, IConfiguration configuration, string defaultHostId)
    {
        services.TryAddSingleton(_ => FunctionHostOptions.From(configuration, defaultHostId.ToLowerInvariant()));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RabbitMQConnections>();
        services.TryAddSingleton<RabbitMQBus>();
        return services;
    }

    /// <summary>
    /// A client of another function app's key-protected routes: registers the <see cref="FunctionAppKey"/> it presents
    /// (setting <paramref name="keySetting"/>, or that app's stored default key) and a start-up check of a configured key.
    /// </summary>
    public static IServiceCollection AddFunctionAppKey(this IServiceCollection services, string keySetting, string hostIdSetting, string defaultHostId)
    {
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<FunctionAppKey>(sp, keySetting, hostIdSetting, defaultHostId));
        services.AddHostedService<FunctionAppKey.StartupCheck>();
        return services;
    }
}
