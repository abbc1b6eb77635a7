using Microsoft.Extensions.Configuration;

namespace ObjectStore.Functions.Hosting;

/// <summary>The host.json settings the host honours; defaults are those of Azure Functions unless noted.</summary>
public sealed class FunctionHostOptions
{
    /// <summary><c>extensions.http.routePrefix</c>; default <c>api</c>, as in Azure Functions.</summary>
    public string RoutePrefix { get; set; } = "api";

    /// <summary><c>functionTimeout</c>; default 5 minutes, <c>-1</c> for none. Applies to every invocation, HTTP included.</summary>
    public TimeSpan FunctionTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><c>extensions.rabbitMQ.prefetchCount</c>; default 30.</summary>
    public ushort PrefetchCount { get; set; } = 30;

    /// <summary><c>extensions.rabbitMQ.maxDeliveryRetries</c>: redeliveries after a failure before the poison queue; default 3.</summary>
    public int MaxDeliveryRetries { get; set; } = 3;

    /// <summary><c>id</c>: names the app's singleton locks; instances of one app share it. Default: the entry assembly's name.</summary>
    public string HostId { get; set; } = "functions";

    /// <summary>Address Kestrel listens on (<c>LISTEN_ADDRESS</c>, as in the article); default 127.0.0.1:7071.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1:7071";

    /// <summary>
    /// <c>RequireFunctionKey</c> (a setting of this local host; the Functions host has none): anonymous HTTP routes then
    /// need a function key too. Default false.
    /// </summary>
    public bool RequireFunctionKey { get; set; }

    public static FunctionHostOptions From(IConfiguration configuration, string defaultHostId)
    {
        var options = new FunctionHostOptions { HostId = defaultHostId };
        options.RoutePrefix = (configuration["extensions:http:routePrefix"] ?? options.RoutePrefix).Trim('/');
        if (configuration["functionTimeout"] is { Length: > 0 } timeout)
        {
            // "-1" means no limit, as in Azure Functions; any other negative value is a mistake worth failing on at start.
            options.FunctionTimeout = timeout.Trim() == "-1"
                ? Timeout.InfiniteTimeSpan
                : TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture);
            if (options.FunctionTimeout <= TimeSpan.Zero && options.FunctionTimeout != Timeout.InfiniteTimeSpan)
            {
                throw new FunctionIndexingException($"functionTimeout '{timeout}' must be positive, or -1 for no limit.");
            }
        }

        if (configuration["extensions:rabbitMQ:prefetchCount"] is { Length: > 0 } prefetch)
        {
            options.PrefetchCount = ushort.Parse(prefetch, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (configuration["extensions:rabbitMQ:maxDeliveryRetries"] is { Length: > 0 } retries)
        {
            options.MaxDeliveryRetries = int.Parse(retries, System.Globalization.CultureInfo.InvariantCulture);
        }

        options.HostId = configuration["AzureFunctionsJobHost:id"] ?? configuration["id"] ?? options.HostId;
        options.ListenAddress = configuration["LISTEN_ADDRESS"] ?? options.ListenAddress;
        options.RequireFunctionKey = bool.TryParse(configuration["RequireFunctionKey"], out var require) && require;
        return options;
    }
}
