namespace ObjectStore.FileSystem.Meta;

public sealed partial class KvMeta
{
    public Task<ulong> NewSliceIdAsync(CancellationToken ct) => NextIdAsync(_sliceIds, ct);

    private Task<ulong> NewInodeAsync(CancellationToken ct) => NextIdAsync(_inodeIds, ct);

    private async Task<ulong> NextIdAsync(IdPool pool, CancellationToken ct)
    {
        await pool.Gate.WaitAsync(ct);
        try
        {
            if (pool.Next == pool.End)
            {
                var first = (ulong)await AddToCounterAsync(pool.Counter, pool.BatchSize, ct);
                pool.Next = first;
                pool.End = first + (ulong)pool.BatchSize;
            }
            return pool.Next++;
        }
        finally
        {
            pool.Gate.Release();
        }
    }

    /// <summary>Adds to a shared counter in one compare-and-swap transaction; answers the value before the addition.</summary>
    private Task<long> AddToCounterAsync(string name, long delta, CancellationToken ct)
    {
        var nonce = Random.Shared.NextInt64();
        return RunAsync(async (txn, token) =>
        {
            var key = _keys.Counter(name);
            var value = await txn.GetAsync(key, token) is { } bytes ? CounterCodec.Decode(bytes) : throw MetaErrors.NotStarted();
            txn.Put(key, CounterCodec.Encode(value + delta, nonce));
            return value;
        }, ct);
    }
}
