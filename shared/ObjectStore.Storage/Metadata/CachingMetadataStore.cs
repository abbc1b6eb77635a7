using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Metadata;

/// <summary>A name's metadata changed; every Api instance drops what it cached for that name (Blob store only: etcd has a watch).</summary>
public sealed record MetadataChanged(string Name, string Origin);

/// <summary>
/// Keeps reads of the metadata store off the hot path. Versions never change once written, so they are cached until
/// evicted (or dropped by retention); "latest version of a name" is cached for <see cref="ObjectStoreOptions.MetadataCacheTtl"/>.
/// Other Api instances' writes reach the cache by an etcd watch (<see cref="EtcdMetadataWatch"/>) or, on Blob Storage,
/// by a broadcast on the <c>MetadataExchange</c>: within milliseconds, or after the TTL if that channel is down. An
/// instance always reads its own writes. Listings, content records and version commits always go to the store.
/// </summary>
public sealed partial class CachingMetadataStore(
    [FromKeyedServices(CachingMetadataStore.BackingStore)] IMetadataStore inner,
    IControlBus bus,
    IOptions<ObjectStoreOptions> options,
    TimeProvider time,
    ILogger<CachingMetadataStore> logger) : IMetadataStore
{
    /// <summary>The DI key of the store this one caches.</summary>
    public const string BackingStore = "backing";

    private const int MaxEntries = 200_000;
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, ObjectVersion? Latest)> _latest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, long), ObjectVersion> _versions = new();

    /// <summary>Identifies this process's own broadcasts, which it need not act on.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    public async Task<ObjectVersion?> GetLatestAsync(ObjectName name, CancellationToken cancellationToken)
    {
        var key = name.Value;
        var now = time.GetUtcNow();
        if (_latest.TryGetValue(key, out var cached) && IsFresh(cached.At, now))
        {
            return cached.Latest;
        }

        var latest = await inner.GetLatestAsync(name, cancellationToken).ConfigureAwait(false);
        if (latest is null)
        {
            _latest.AddOrUpdate(key, _ => (now, null), (_, cached) => IsFresh(cached.At, now) && cached.Latest is not null ? cached : (now, null));
        }
        else
        {
            Observe(key, latest);
        }

        return latest;
    }

    public async Task<ObjectVersion?> GetVersionAsync(ObjectName name, long version, CancellationToken cancellationToken)
    {
        var key = (name.Value, version);
        if (_versions.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var found = await inner.GetVersionAsync(name, version, cancellationToken).ConfigureAwait(false);
        if (found is not null)
        {
            Remember(_versions, key, found);
        }

        return found;
    }

    public Task<IReadOnlyList<ObjectVersion>> ListVersionsAsync(ObjectName name, CancellationToken cancellationToken) =>
        inner.ListVersionsAsync(name, cancellationToken);

    public IAsyncEnumerable<ObjectVersion> ScanAsync(CancellationToken cancellationToken) => inner.ScanAsync(cancellationToken);

    public Task<IReadOnlyList<ObjectVersion>> ListNamesAsync(string namePrefix, string? startAfter, int limit, CancellationToken cancellationToken) =>
        inner.ListNamesAsync(namePrefix, startAfter, limit, cancellationToken);

    public async Task<int> PurgeAsync(ObjectName name, CancellationToken cancellationToken)
    {
        var dropped = await inner.PurgeAsync(name, cancellationToken).ConfigureAwait(false);
        Observe(name.Value, null);
        await BroadcastAsync(name, cancellationToken).ConfigureAwait(false);
        return dropped;
    }

    public bool TracksContent => inner.TracksContent;

    public Task<ContentRecord?> FindContentAsync(string storageId, CancellationToken cancellationToken) => inner.FindContentAsync(storageId, cancellationToken);

    public IAsyncEnumerable<ContentRecord> ScanContentAsync(CancellationToken cancellationToken) => inner.ScanContentAsync(cancellationToken);

    public async Task<ObjectVersion> AppendAsync(ObjectName name, long size, string hash, bool deleted, string layout, CancellationToken cancellationToken, bool contentLookedUp = true)
    {
        var key = name.Value;
        _latest.TryRemove(key, out _);
        var written = await inner.AppendAsync(name, size, hash, deleted, layout, cancellationToken, contentLookedUp).ConfigureAwait(false);
        Observe(key, written);
        await BroadcastAsync(name, cancellationToken).ConfigureAwait(false);
        return written;
    }

    private async Task BroadcastAsync(ObjectName name, CancellationToken cancellationToken)
    {
        if (!Broadcasts)
        {
            return;
        }

        try
        {
            var message = JsonSerializer.SerializeToUtf8Bytes(new MetadataChanged(name.Value, InstanceId));
            await bus.PublishAsync(options.Value.MetadataExchange, message, cancellationToken).ConfigureAwait(false);
        }
        catch (ControlBusUnavailableException ex)
        {
            LogBroadcastFailed(ex.Message);
        }
    }

    /// <summary>Another instance wrote this name.</summary>
    public void Forget(MetadataChanged change)
    {
        if (change.Origin != InstanceId)
        {
            _latest.TryRemove(change.Name, out _);
        }
    }

    /// <summary>The watch saw a name's head change: keep the newer of it and what is cached; null: the name was dropped.</summary>
    public void Observe(string name, ObjectVersion? latest)
    {
        if (latest is null)
        {
            _latest.TryRemove(name, out _);
            foreach (var key in _versions.Keys.Where(k => k.Item1 == name))
            {
                _versions.TryRemove(key, out _);
            }

            return;
        }

        // Versions only grow, so an older answer arriving late (our own commit racing the watch) never wins.
        var now = time.GetUtcNow();
        _latest.AddOrUpdate(
            name,
            _ => (now, latest),
            (_, cached) => IsFresh(cached.At, now) && cached.Latest is { } known && known.Version > latest.Version ? cached : (now, latest));
        if (_latest.Count > MaxEntries)
        {
            _latest.Clear();
        }
    }

    /// <summary>Retention dropped a version.</summary>
    public void ForgetVersion(string name, long version) => _versions.TryRemove((name, version), out _);

    /// <summary>The watch (re)started and may have missed changes: trust nothing cached about latest versions.</summary>
    public void ForgetAllLatest() => _latest.Clear();

    private bool IsFresh(DateTimeOffset at, DateTimeOffset now) => now - at < options.Value.MetadataCacheTtl;

    private bool Broadcasts => inner is not EtcdMetadataStore;

    private static void Remember<TKey, TValue>(ConcurrentDictionary<TKey, TValue> cache, TKey key, TValue value)
        where TKey : notnull
    {
        if (cache.Count >= MaxEntries)
        {
            cache.Clear();
        }

        cache[key] = value;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not broadcast a metadata change; other Api instances see it after the cache TTL: {Reason}")]
    private partial void LogBroadcastFailed(string reason);
}
