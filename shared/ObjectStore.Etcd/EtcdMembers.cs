using Etcdserverpb;
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
/// <para>Calls move to the leader once it is known (<see cref="PreferLeaderAsync"/>, looked up in the background at
/// most every <see cref="LeaderCheckInterval"/>): a follower forwards every write to the leader, one more hop and the
/// work of a second member. Measured on the 3-member loopback cluster (JSON gateway, one at a time): a transaction of
/// three puts 1.54-1.60 ms p50 through the leader, 1.94 ms through a follower.</para>
/// </summary>
public partial class EtcdMembers : IDisposable
{
    private readonly string[] _endpoints;
    private readonly Lazy<EtcdClient>[] _clients;
    private int _current;
    private long _leaderCheckDue;
    private int _checkingLeader;

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

    /// <summary>How often calls look for the leader again (it changes when a member stops, or an election is lost).</summary>
    public static readonly TimeSpan LeaderCheckInterval = TimeSpan.FromSeconds(30);

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
        LookForLeaderWhenDue();
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

    /// <summary>
    /// Asks the members, one after another, for their status and sends calls to the one that says it leads. False,
    /// calls left where they go, when no member answers as leader within <paramref name="timeout"/> each (an election
    /// under way, no quorum).
    /// </summary>
    public async Task<bool> PreferLeaderAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        for (var i = 0; i < _clients.Length; i++)
        {
            try
            {
                var status = await _clients[i].Value.GetConnection().MaintenanceClient
                    .StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (status.Leader != 0 && status.Leader == status.Header.MemberId)
                {
                    Volatile.Write(ref _current, i);
                    return true;
                }
            }
            catch (RpcException)
            {
                // Down or cut off: the next one may lead.
            }
        }

        return false;
    }

    /// <summary>Starts a look for the leader in the background when the last one is older than <see cref="LeaderCheckInterval"/>.</summary>
    private void LookForLeaderWhenDue()
    {
        if (_clients.Length == 1 || Environment.TickCount64 < Volatile.Read(ref _leaderCheckDue) || Interlocked.Exchange(ref _checkingLeader, 1) == 1)
        {
            return;
        }

        Volatile.Write(ref _leaderCheckDue, Environment.TickCount64 + (long)LeaderCheckInterval.TotalMilliseconds);
        _ = Task.Run(async () =>
        {
            try
            {
                await PreferLeaderAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
            {
                // Disposed while looking.
            }
            finally
            {
                Volatile.Write(ref _checkingLeader, 0);
            }
        });
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
