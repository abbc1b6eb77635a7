using dotnet_etcd;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;

namespace ObjectStore.Etcd;

/// <summary>
/// A process's etcd clients, one per member, and which one calls go to now: the first at random (processes spread over
/// the members), the next one after a call could not reach it (<see cref="Unreachable"/>). One client over all the
/// members (dotnet-etcd's round-robin channel) kept sending every call to a stopped member for more than 30 s at times
/// (the Api's EtcdFaultTests, under load): a PUT answered 503 with two members of three up. A client per call costs a
/// connection each (155 ops/s instead of 503, measured), so these live as long as the process.
/// Each client retries <c>Unavailable</c> by itself, and <see cref="CallAsync"/> sends a call again to the next member:
/// every call made through here must be idempotent, or able to tell that it landed.
/// </summary>
public partial class EtcdMembers : IDisposable
{
    private readonly string[] _endpoints;
    private readonly Lazy<EtcdClient>[] _clients;
    private int _current;

    /// <param name="endpoints">Comma-separated <c>http://host:port</c> URLs of the members.</param>
    /// <param name="configureChannelOptions">Applied to every member's channel.</param>
    public EtcdMembers(string endpoints, Action<GrpcChannelOptions>? configureChannelOptions = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoints);
        Endpoints = endpoints;
        _endpoints = endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        _clients = _endpoints
            .Select(endpoint => new Lazy<EtcdClient>(() => new EtcdClient(endpoint, configureChannelOptions: configureChannelOptions)))
            .ToArray();
        _current = Random.Shared.Next(_clients.Length);
    }

    public string Endpoints { get; }

    /// <summary>How many members calls can be sent to.</summary>
    public int Members => _clients.Length;

    /// <summary>The client of the member calls go to now.</summary>
    public EtcdClient Client => _clients[Volatile.Read(ref _current)].Value;

    /// <summary>The URL of the member <paramref name="client"/> talks to (for logs: which member a long-lived call is on).</summary>
    public string EndpointOf(EtcdClient client) =>
        _endpoints[Array.FindIndex(_clients, c => c.IsValueCreated && ReferenceEquals(c.Value, client))];

    /// <summary>A call through <paramref name="client"/> could not reach its member: calls go to the next one (once, however many calls saw it).</summary>
    public void Unreachable(EtcdClient client)
    {
        var current = Volatile.Read(ref _current);
        if (_clients[current].IsValueCreated && ReferenceEquals(_clients[current].Value, client))
        {
            Interlocked.CompareExchange(ref _current, (current + 1) % _clients.Length, current);
        }
    }

    /// <summary>
    /// Sends <paramref name="call"/> to the member calls go to now and, when that member cannot be reached
    /// (<c>Unavailable</c>), at once to the next one: each member at most once, within <paramref name="timeout"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: no deadline, the call's own cancellation bounds it). Waiting out the
    /// client's own retries on a stopped member instead would spend the caller's whole bound there. What cannot be
    /// answered surfaces as the last <see cref="RpcException"/>; a deadline that passed as <c>DeadlineExceeded</c>.
    /// A cancellation by the caller is never retried and leaves the member in use.
    /// </summary>
    public async Task<T> CallAsync<T>(Func<EtcdClient, DateTime?, Task<T>> call, TimeSpan timeout, ILogger logger)
    {
        DateTime? deadline = timeout == Timeout.InfiniteTimeSpan ? null : DateTime.UtcNow + timeout;
        for (var attempt = 1; ; attempt++)
        {
            var client = Client;
            try
            {
                return await call(client, deadline).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
            {
                LogCallFailed(logger, ex.StatusCode, ex.Status.Detail);
                if (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
                {
                    Unreachable(client);
                }

                if (ex.StatusCode != StatusCode.Unavailable || attempt >= Members || DateTime.UtcNow >= deadline)
                {
                    throw;
                }
            }
            catch (OperationCanceledException) when (DateTime.UtcNow >= deadline)
            {
                // Grpc.Net reports a deadline that passes while it is still retrying a connection as a plain cancellation.
                var expired = new RpcException(new Status(StatusCode.DeadlineExceeded, $"no answer within {timeout}"));
                LogCallFailed(logger, expired.StatusCode, expired.Status.Detail);
                Unreachable(client);
                throw expired;
            }
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients.Where(c => c.IsValueCreated))
        {
            client.Value.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "etcd call failed: {Status} {Detail}")]
    private static partial void LogCallFailed(ILogger logger, StatusCode status, string detail);
}
