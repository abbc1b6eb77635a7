using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.Functions.RabbitMQ;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Metadata;

/// <summary>A name's metadata changed; every Api instance drops what it cached for that name.</summary>
public sealed record MetadataChanged(string NameKey, string Origin);

/// <summary>
/// Keeps reads of the metadata store off Blob Storage on the hot path. Versions never change once written, so they are
/// cached until evicted; "latest version of a name" is cached for <see cref="ObjectStoreOptions.MetadataCacheTtl"/>, and
/// every write is broadcast on the <c>MetadataExchange</c> so other Api instances drop their entry at once. An instance
/// always reads its own writes; another instance sees them after the broadcast (milliseconds), or after the TTL if the
/// bus is down. Listings and version commits always go to the store.
/// </summary>
public sealed partial class CachingMetadataStore(
    BlobMetadataStore inner,
    RabbitMQBus bus,
    IOptions<ObjectStoreOptions> options,
    TimeProvider time,
    ILogger<CachingMetadataStore> logger) : IMetadataStore
{
    private const int MaxEntries = 200_000;
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, ObjectVersion? Latest)> _latest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, long), ObjectVersion> _versions = new();

    /// <summary>Identifies this process's own broadcasts, which it need not act on.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    public async Task<ObjectVersion?> GetLatestAsync(ObjectName name, CancellationToken cancellationToken)
    {
        var key = BlobMetadataStore.NameKey(name);
        var now = time.GetUtcNow();
        if (_latest.TryGetValue(key, out var cached) && now - cached.At < options.Value.MetadataCacheTtl)
        {
            return cached.Latest;
        }

        var latest = await inner.GetLatestAsync(name, cancellationToken).ConfigureAwait(false);
        Remember(_latest, key, (now, latest));
        return latest;
    }

    public async Task<ObjectVersion?> GetVersionAsync(ObjectName name, long version, CancellationToken cancellationToken)
    {
        var key = (BlobMetadataStore.NameKey(name), version);
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

    public async Task<ObjectVersion> AppendAsync(ObjectName name, long size, string hash, bool deleted, string layout, CancellationToken cancellationToken)
    {
        var key = BlobMetadataStore.NameKey(name);
        _latest.TryRemove(key, out _);
        var written = await inner.AppendAsync(name, size, hash, deleted, layout, cancellationToken).ConfigureAwait(false);
        Remember(_latest, key, (time.GetUtcNow(), written));
        try
        {
            var message = JsonSerializer.SerializeToUtf8Bytes(new MetadataChanged(key, InstanceId));
            await bus.PublishAsync(options.Value.MetadataExchange, message, cancellationToken).ConfigureAwait(false);
        }
        catch (MessageBusUnavailableException ex)
        {
            LogBroadcastFailed(ex.Message);
        }

        return written;
    }

    /// <summary>Another instance wrote this name.</summary>
    public void Forget(MetadataChanged change)
    {
        if (change.Origin != InstanceId)
        {
            _latest.TryRemove(change.NameKey, out _);
        }
    }

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
