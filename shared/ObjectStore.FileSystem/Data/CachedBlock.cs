using System.Buffers;

namespace ObjectStore.FileSystem.Data;

/// <summary>
/// A block in memory, in a pooled buffer, reference counted: the cache holds one reference while the block is cached and
/// every reader one while it copies, so eviction never pulls a buffer from under a reader.
/// </summary>
internal sealed class CachedBlock(BlockKey key, byte[] buffer, int length, ArrayPool<byte> pool)
{
    private int _references = 1;

    public BlockKey Key { get; } = key;

    public int Length { get; } = length;

    public ReadOnlyMemory<byte> Data => buffer.AsMemory(0, Length);

    /// <summary>Its place in the cache's recency list, while cached.</summary>
    public LinkedListNode<CachedBlock>? Node { get; set; }

    /// <summary>Adds a reference unless the block has already been freed.</summary>
    public bool TryAcquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            if (current == 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    public void AddReferences(int count) => Interlocked.Add(ref _references, count);

    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            pool.Return(buffer);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException($"block {Key} released more often than acquired");
        }
    }
}
