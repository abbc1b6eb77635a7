using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// Recently read or written small objects, whole, by content hash, in the Api's memory: content never changes under
/// its hash, so an entry can never be stale and needs no coherence between Api instances. Bounded by
/// <see cref="ObjectStoreOptions.ReadCacheBytes"/>; least recently used entries go first. Only bytes whose SHA-256
/// was checked here are added.
/// </summary>
public sealed class ContentCache(IOptions<ObjectStoreOptions> options)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _evicting = new();
    private long _bytes;
    private long _clock;

    public long Bytes => Interlocked.Read(ref _bytes);

    public int Count => _entries.Count;

    /// <summary>Objects up to this size are cached: the small ones, stored as whole copies.</summary>
    public long MaxObjectBytes => Math.Min(options.Value.ReplicateUpToBytes, options.Value.ReadCacheBytes / 16);

    public bool TryGet(string hash, out ReadOnlyMemory<byte> content)
    {
        if (_entries.TryGetValue(hash, out var entry))
        {
            entry.LastUsed = Interlocked.Increment(ref _clock);
            content = entry.Content;
            return true;
        }

        content = default;
        return false;
    }

    public void Add(string hash, ReadOnlySpan<byte> content)
    {
        if (content.Length > MaxObjectBytes || _entries.ContainsKey(hash))
        {
            return;
        }

        if (_entries.TryAdd(hash, new Entry(content.ToArray()) { LastUsed = Interlocked.Increment(ref _clock) })
            && Interlocked.Add(ref _bytes, content.Length) > options.Value.ReadCacheBytes)
        {
            Evict();
        }
    }

    /// <summary>Drops the least recently used tenth (at least down to the bound): one sort per many additions.</summary>
    private void Evict()
    {
        lock (_evicting)
        {
            var limit = options.Value.ReadCacheBytes;
            if (Interlocked.Read(ref _bytes) <= limit)
            {
                return;
            }

            var target = limit - (limit / 10);
            foreach (var (hash, _) in _entries.OrderBy(e => e.Value.LastUsed).ToList())
            {
                if (Interlocked.Read(ref _bytes) <= target)
                {
                    break;
                }

                if (_entries.TryRemove(hash, out var removed))
                {
                    Interlocked.Add(ref _bytes, -removed.Content.Length);
                }
            }
        }
    }

    private sealed class Entry(byte[] content)
    {
        public byte[] Content { get; } = content;

        public long LastUsed { get; set; }
    }
}
