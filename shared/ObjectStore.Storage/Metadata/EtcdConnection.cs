using dotnet_etcd;
using Microsoft.Extensions.Configuration;

namespace ObjectStore.Storage.Metadata;

/// <summary>
/// The process's etcd clients, one per member, and which one calls go to now: the first at random (Api instances
/// spread over the members), the next one after a call could not reach it (<see cref="Unreachable"/>). One client over
/// all the members (dotnet-etcd's round-robin channel) kept sending every call to a stopped member for more than 30 s
/// at times (EtcdFaultTests, under load): a PUT answered 503 with two members of three up. A client per call costs a
/// connection each (155 ops/s instead of 503, measured), so these live as long as the process.
/// Endpoints come from the <c>EtcdEndpoints</c> setting: comma-separated <c>http://host:port</c> URLs of the members.
/// The client retries <c>Unavailable</c> by itself, which is why every write here is idempotent.
/// </summary>
public sealed class EtcdConnection : IDisposable
{
    public const string EndpointsSetting = "EtcdEndpoints";

    private readonly Lazy<EtcdClient>[] _clients;
    private int _current;

    public EtcdConnection(IConfiguration configuration)
    {
        var endpoints = configuration[EndpointsSetting];
        if (string.IsNullOrWhiteSpace(endpoints))
        {
            throw new InvalidOperationException($"Setting '{EndpointsSetting}' is not configured (comma-separated etcd URLs); set ObjectStore:MetadataStore=blob to keep metadata in Blob Storage instead.");
        }

        Endpoints = endpoints;
        _clients = endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(endpoint => new Lazy<EtcdClient>(() => new EtcdClient(endpoint)))
            .ToArray();
        _current = Random.Shared.Next(_clients.Length);
    }

    public string Endpoints { get; }

    /// <summary>How many members calls can be sent to.</summary>
    public int Members => _clients.Length;

    /// <summary>The client of the member calls go to now.</summary>
    public EtcdClient Client => _clients[Volatile.Read(ref _current)].Value;

    /// <summary>A call through <paramref name="client"/> could not reach its member: calls go to the next one (once, however many calls saw it).</summary>
    public void Unreachable(EtcdClient client)
    {
        var current = Volatile.Read(ref _current);
        if (_clients[current].IsValueCreated && ReferenceEquals(_clients[current].Value, client))
        {
            Interlocked.CompareExchange(ref _current, (current + 1) % _clients.Length, current);
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients.Where(c => c.IsValueCreated))
        {
            client.Value.Dispose();
        }
    }
}
