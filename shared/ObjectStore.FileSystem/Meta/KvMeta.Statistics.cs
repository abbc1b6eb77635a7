namespace ObjectStore.FileSystem.Meta;

public sealed partial class KvMeta
{
    private long _usedBytesDelta;
    private long _inodesDelta;

    /// <summary>
    /// Used bytes and inodes of the volume. Each client adds its changes to two shared counters in the background
    /// (every <see cref="FileSystemMetaOptions.StatisticsFlushInterval"/>) instead of in every transaction, so
    /// creates in different directories do not contend on one key; this call flushes this client's changes first.
    /// </summary>
    public async Task<FileSystemStatistics> StatisticsAsync(CancellationToken ct)
    {
        await FlushStatisticsAsync(ct);
        var values = await RunAsync((txn, token) => txn.GetManyAsync([_keys.Counter(CounterNames.UsedSpace), _keys.Counter(CounterNames.TotalInodes)], token), ct);
        var used = values[0] is { } u ? CounterCodec.Decode(u) : 0;
        var inodes = values[1] is { } i ? CounterCodec.Decode(i) : 0;
        return new FileSystemStatistics((ulong)Math.Max(0, used), (ulong)Math.Max(0, inodes));
    }

    private async Task FlushStatisticsAsync(CancellationToken ct)
    {
        var used = Interlocked.Exchange(ref _usedBytesDelta, 0);
        var inodes = Interlocked.Exchange(ref _inodesDelta, 0);
        if (used == 0 && inodes == 0) return;
        var nonce = Random.Shared.NextInt64();
        try
        {
            await RunAsync(async (txn, token) =>
            {
                var usedKey = _keys.Counter(CounterNames.UsedSpace);
                var inodesKey = _keys.Counter(CounterNames.TotalInodes);
                var values = await txn.GetManyAsync([usedKey, inodesKey], token);
                if (values[0] is null || values[1] is null) throw MetaErrors.NotStarted();
                txn.Put(usedKey, CounterCodec.Encode(CounterCodec.Decode(values[0]) + used, nonce));
                txn.Put(inodesKey, CounterCodec.Encode(CounterCodec.Decode(values[1]) + inodes, nonce));
                return true;
            }, ct);
        }
        catch
        {
            Interlocked.Add(ref _usedBytesDelta, used);
            Interlocked.Add(ref _inodesDelta, inodes);
            throw;
        }
    }

    private async Task FlushStatisticsLoopAsync(CancellationToken ct)
    {
        await Task.Yield();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.StatisticsFlushInterval, _time, ct);
                await FlushStatisticsAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogStatisticsFlushFailed(e);
            }
        }
    }
}
