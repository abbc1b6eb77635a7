using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace ObjectStore.Functions.RabbitMQ;

/// <summary>
/// One auto-recovering connection per connection setting and process: a connection per request caps
/// throughput near 200 req/s (INFRA-NOTES), and recovery re-declares exclusive queues, bindings and consumers
/// after a broker restart. The first connect retries with backoff until the host stops, because the broker
/// may come up after the app.
/// </summary>
public sealed partial class RabbitMQConnections(
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    ILogger<RabbitMQConnections> logger) : IAsyncDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, Lazy<Task<IConnection>>> _connections = new(StringComparer.Ordinal);

    /// <summary>Waits for the connection named by <paramref name="connectionSetting"/>; never throws for a broker that is merely down.</summary>
    public Task<IConnection> GetAsync(string connectionSetting, CancellationToken cancellationToken)
    {
        var lazy = _connections.GetOrAdd(connectionSetting, setting => new Lazy<Task<IConnection>>(() => ConnectAsync(setting)));
        return lazy.Value.WaitAsync(cancellationToken);
    }

    private async Task<IConnection> ConnectAsync(string setting)
    {
        var uri = configuration[setting];
        if (string.IsNullOrWhiteSpace(uri))
        {
            throw new InvalidOperationException($"Setting '{setting}' (the RabbitMQ connection string) is not configured.");
        }

        var factory = new ConnectionFactory
        {
            Uri = new Uri(uri),
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(2),
            RequestedHeartbeat = TimeSpan.FromSeconds(10),
            ClientProvidedName = AppDomain.CurrentDomain.FriendlyName,
        };

        var backoff = TimeSpan.FromMilliseconds(200);
        for (var attempt = 1; ; attempt++)
        {
            var stopping = lifetime.ApplicationStopping;
            try
            {
                var connection = await factory.CreateConnectionAsync(stopping).ConfigureAwait(false);
                connection.ConnectionShutdownAsync += (_, args) =>
                {
                    LogConnectionLost(setting, args.ReplyText);
                    return Task.CompletedTask;
                };
                connection.RecoverySucceededAsync += (_, _) =>
                {
                    LogConnectionRecovered(setting);
                    return Task.CompletedTask;
                };
                LogConnected(setting, factory.Endpoint.ToString(), attempt);
                return connection;
            }
            catch (Exception ex) when (IsTransient(ex) && !stopping.IsCancellationRequested)
            {
                LogConnectFailed(setting, attempt, backoff.TotalMilliseconds, ex.Message);
                await Task.Delay(backoff, stopping).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private static bool IsTransient(Exception ex) =>
        ex is BrokerUnreachableException or SocketException or ConnectFailureException or OperationInterruptedException or IOException;

    public async ValueTask DisposeAsync()
    {
        foreach (var lazy in _connections.Values.Where(l => l.IsValueCreated))
        {
            if (lazy.Value.IsCompletedSuccessfully)
            {
                await lazy.Value.Result.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "RabbitMQ {Setting} connected to {Endpoint} after {Attempts} attempt(s)")]
    private partial void LogConnected(string setting, string endpoint, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ {Setting} unreachable (attempt {Attempt}), retrying in {DelayMs} ms: {Reason}")]
    private partial void LogConnectFailed(string setting, int attempt, double delayMs, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ {Setting} connection lost: {Reason}; recovering")]
    private partial void LogConnectionLost(string setting, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "RabbitMQ {Setting} connection recovered")]
    private partial void LogConnectionRecovered(string setting);
}
