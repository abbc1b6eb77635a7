using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Cluster;

/// <summary>
/// Finds the data nodes holding a content hash by asking all of them on the <c>dataServers</c> exchange.
/// Unlike the article it does not always wait the full second: a round ends as soon as enough holders have
/// answered or every live node has, so a miss costs one round trip; the timeout only covers silent nodes.
/// </summary>
public sealed partial class ObjectLocator : IContentLocator
{
    private readonly IControlBus _bus;
    private readonly NodeRegistry _registry;
    private readonly IOptions<ObjectStoreOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ObjectLocator> _logger;
    private readonly ConcurrentDictionary<(string Hash, int Shards), (DateTimeOffset At, IReadOnlyList<LocateReply> Replies)> _cache = new();

    public ObjectLocator(IControlBus bus, NodeRegistry registry, IOptions<ObjectStoreOptions> options, TimeProvider time, ILogger<ObjectLocator> logger)
    {
        _bus = bus;
        _registry = registry;
        _options = options;
        _time = time;
        _logger = logger;
        // A dead node's answers must not be served from the cache.
        registry.NodeExpired += address =>
        {
            foreach (var entry in _cache.Where(e => e.Value.Replies.Any(r => r.Address == address)).ToList())
            {
                _cache.TryRemove(entry.Key, out _);
            }
        };
    }

    /// <summary>
    /// Like <see cref="LocateShardsAsync"/>, but reuses a recent complete answer (for <see cref="ObjectStoreOptions.LocateCacheTtl"/>),
    /// which takes the bus round trip off most reads. Content never moves by itself: an answer goes stale only when a node dies
    /// (dropped on expiry) or a copy goes bad (the reader calls <see cref="Forget"/>).
    /// </summary>
    public async Task<IReadOnlyList<LocateReply>> LocateShardsCachedAsync(ContentHash hash, int shards, Func<IReadOnlyList<LocateReply>, bool> enough, CancellationToken cancellationToken)
    {
        var key = (hash.Hex, shards);
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached) && now - cached.At < _options.Value.LocateCacheTtl)
        {
            return cached.Replies;
        }

        var replies = await LocateShardsAsync(hash, shards, enough, cancellationToken).ConfigureAwait(false);
        if (enough(replies))
        {
            Cache(key, now, replies);
        }

        return replies;
    }

    public void Remember(ContentHash hash, int shards, IReadOnlyList<LocateReply> replies) =>
        Cache((hash.Hex, shards), _time.GetUtcNow(), replies);

    private void Cache((string Hash, int Shards) key, DateTimeOffset at, IReadOnlyList<LocateReply> replies)
    {
        _cache[key] = (at, replies);
        if (_cache.Count > 100_000)
        {
            _cache.Clear();
        }
    }

    public void Forget(ContentHash hash)
    {
        foreach (var key in _cache.Keys.Where(k => k.Hash == hash.Hex).ToList())
        {
            _cache.TryRemove(key, out _);
        }
    }

    /// <summary>
    /// Every node's answer for a hash: whole copies and shards <c>0..shards-1</c>. Ends when <paramref name="enough"/>
    /// holds for the answers so far, when every live node has answered, or at the locate timeout.
    /// </summary>
    public async Task<IReadOnlyList<LocateReply>> LocateShardsAsync(ContentHash hash, int shards, Func<IReadOnlyList<LocateReply>, bool> enough, CancellationToken cancellationToken)
    {
        var liveCount = _registry.LiveNodes().Count;
        if (liveCount == 0)
        {
            return [];
        }

        var request = JsonSerializer.SerializeToUtf8Bytes(new LocateRequest(hash.Hex, shards), ClusterJson.Default.LocateRequest);
        var replies = await _bus.RequestAsync(
            _options.Value.LocateExchange,
            request,
            received => received.Count >= liveCount || enough(Parse(received, hash)),
            _options.Value.LocateTimeout,
            cancellationToken).ConfigureAwait(false);
        return Parse(replies, hash);
    }

    private List<LocateReply> Parse(IEnumerable<byte[]> replies, ContentHash hash)
    {
        var parsed = new List<LocateReply>();
        foreach (var body in replies)
        {
            try
            {
                if (JsonSerializer.Deserialize(body, ClusterJson.Default.LocateReply) is { } reply
                    && reply.Hash == hash.Hex && ClusterAddress.IsValid(reply.Address))
                {
                    parsed.Add(reply);
                }
            }
            catch (JsonException ex)
            {
                LogMalformedReply(ex.Message);
            }
        }

        return parsed;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring a malformed locate reply: {Reason}")]
    private partial void LogMalformedReply(string reason);
}
