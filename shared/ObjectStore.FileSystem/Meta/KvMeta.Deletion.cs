using System.Buffers.Binary;
using ObjectStore.FileSystem.Meta.Kv;

namespace ObjectStore.FileSystem.Meta;

/// <summary>
/// How data stops being referenced without leaks: a transaction that drops slices either queues them (K records)
/// itself or, when there are too many for one transaction, records them as garbage (a G record: a truncated chunk)
/// or records the whole deleted inode (an F record). Those records are worked off right after the operation, and
/// by every session start and collector pass, so a crash in between leaves work the next one finishes.
/// </summary>
public sealed partial class KvMeta
{
    private const int SlicesQueuedInline = 32;
    private const int WritesPerCleanupTransaction = 100;

    public async Task<IReadOnlyList<Slice>> ListDeletedSlicesAsync(int limit, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await ProcessPendingDeletionsQuietlyAsync(16, ct);
        var (from, to) = _keys.DeletedSlices;
        var oldest = NowNs() - _options.DeletedSliceGracePeriod.Ticks * 100;
        var result = new List<Slice>();
        while (result.Count < limit)
        {
            var page = await RunAsync((txn, token) => txn.RangeAsync(from, to, 256, token), ct);
            foreach (var entry in page.Entries)
            {
                var (size, queued) = DeletedSliceCodec.Decode(entry.Value);
                if (queued <= oldest) result.Add(new Slice(_keys.DeletedSliceId(entry.Key), size, 0, size));
                if (result.Count == limit) break;
            }
            if (!page.More || page.Entries.Count == 0) break;
            from = [.. page.Entries[^1].Key, 0];
        }
        return result;
    }

    public async Task ForgetDeletedSlicesAsync(IReadOnlyList<Slice> slices, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(slices);
        foreach (var batch in slices.Chunk(WritesPerCleanupTransaction))
        {
            await RunAsync((txn, _) =>
            {
                foreach (var slice in batch) txn.Delete(_keys.DeletedSlice(slice.Id));
                return Task.FromResult(true);
            }, ct);
        }
    }

    /// <summary>
    /// Removes an inode in <paramref name="txn"/>: a small one (a few keys, few slices) completely, with its slices
    /// queued; a larger one by its attributes and a deleted-inode record, its chunks and other keys then removed by
    /// <see cref="ProcessDeletedFileAsync"/>. True if that is still to be done.
    /// </summary>
    private async Task<bool> DeleteInodeAsync(MetaTransaction txn, ulong inode, InodeAttributes attributes, CancellationToken ct)
    {
        var attributesKey = _keys.Attributes(inode);
        txn.Delete(attributesKey);
        txn.InodesDelta -= 1;
        txn.UsedBytesDelta -= SpaceOf(attributes);
        var (from, to) = _keys.Inode(inode);
        var page = await txn.RangeAsync(from, to, 16, ct);
        var keys = page.Entries.Where(e => !ByteKeyComparer.Instance.Equals(e.Key, attributesKey)).ToList();
        var slices = keys.Where(e => _keys.IsChunk(e.Key)).SelectMany(e => ChunkCodec.Decode(e.Value)).ToList();
        if (!page.More && slices.Select(s => s.Slice.Id).Where(id => id != 0).Distinct().Count() <= SlicesQueuedInline)
        {
            foreach (var entry in keys)
            {
                txn.Remember(entry.Key, entry);
                txn.Delete(entry.Key);
            }
            await QueueUnreferencedSlicesAsync(txn, inode, slices, [], ct);
            return false;
        }
        var record = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(record, attributes.Length);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(8), Random.Shared.NextInt64()); // unique bytes: see CounterCodec
        txn.Put(_keys.DeletedFile(inode), record);
        return true;
    }

    /// <summary>Queues the slices <paramref name="before"/> referenced and <paramref name="after"/> does not: inline if few, else as one garbage record.</summary>
    private async Task QueueUnreferencedSlicesAsync(MetaTransaction txn, ulong inode, IEnumerable<ChunkSlice> before, IEnumerable<ChunkSlice> after, CancellationToken ct)
    {
        var still = after.Select(s => s.Slice.Id).ToHashSet();
        var gone = before.Where(s => s.Slice.Id != 0 && !still.Contains(s.Slice.Id)).DistinctBy(s => s.Slice.Id).ToList();
        if (gone.Count == 0) return;
        if (gone.Count <= SlicesQueuedInline)
        {
            var now = NowNs();
            foreach (var s in gone) txn.Put(_keys.DeletedSlice(s.Slice.Id), DeletedSliceCodec.Encode(s.Slice.Size, now));
            return;
        }
        txn.Put(_keys.GarbageChunk(await NewSliceIdAsync(ct)), GarbageCodec.Encode(inode, gone));
        txn.AfterCommit(() => _garbagePending = true);
    }

    /// <summary>Moves whole chunks (read by a range) out of the inode into garbage records, in <paramref name="txn"/>.</summary>
    private async Task MoveChunksAsideAsync(MetaTransaction txn, ulong inode, IEnumerable<KvEntry> chunks, CancellationToken ct)
    {
        foreach (var chunk in chunks)
        {
            txn.Remember(chunk.Key, chunk);
            txn.Delete(chunk.Key);
            txn.Put(_keys.GarbageChunk(await NewSliceIdAsync(ct)), GarbageCodec.Encode(inode, ChunkCodec.Decode(chunk.Value)));
        }
    }

    private volatile bool _garbagePending;

    private async Task ProcessPendingDeletionsQuietlyAsync(int limit, CancellationToken ct)
    {
        try
        {
            await ProcessPendingDeletionsAsync(limit, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogCleanupDeferred(e.Message);
        }
    }

    /// <summary>Works off up to <paramref name="limit"/> deleted-inode records and all garbage records.</summary>
    private async Task ProcessPendingDeletionsAsync(int limit, CancellationToken ct)
    {
        var (from, to) = _keys.DeletedFiles;
        var page = await RunAsync((txn, token) => txn.RangeAsync(from, to, Math.Min(limit, 1000), token), ct);
        foreach (var entry in page.Entries) await ProcessDeletedFileAsync(_keys.DeletedFileInode(entry.Key), ct);
        await ProcessGarbageChunksAsync(ct);
    }

    private async Task ProcessDeletedFileQuietlyAsync(ulong inode, CancellationToken ct)
    {
        try
        {
            await ProcessDeletedFileAsync(inode, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogCleanupDeferred(e.Message);
        }
    }

    private async Task ProcessGarbageChunksQuietlyAsync(CancellationToken ct)
    {
        try
        {
            await ProcessGarbageChunksAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogCleanupDeferred(e.Message);
        }
    }

    /// <summary>Queues the slices of a deleted inode's chunks, removes its remaining keys, then its deleted-inode record.</summary>
    private async Task ProcessDeletedFileAsync(ulong inode, CancellationToken ct)
    {
        while (true)
        {
            var page = await RunAsync((txn, token) => txn.RangeAsync(_keys.Chunk(inode, 0), _keys.ChunksEnd(inode), 20, token), ct);
            foreach (var chunk in page.Entries)
            {
                await RunAsync(async (txn, token) =>
                {
                    if (await txn.GetAsync(chunk.Key, token) is not { } value) return false;
                    txn.Delete(chunk.Key);
                    await QueueUnreferencedSlicesAsync(txn, inode, ChunkCodec.Decode(value), [], token);
                    return true;
                }, ct);
            }
            if (!page.More) break;
        }
        var (from, to) = _keys.Inode(inode);
        while (true)
        {
            var page = await RunAsync((txn, token) => txn.RangeAsync(from, to, WritesPerCleanupTransaction, token), ct);
            if (page.Entries.Count == 0) break;
            await RunAsync((txn, _) =>
            {
                foreach (var entry in page.Entries) txn.Delete(entry.Key);
                return Task.FromResult(true);
            }, ct);
            if (!page.More) break;
        }
        await RunAsync((txn, _) =>
        {
            txn.Delete(_keys.DeletedFile(inode));
            return Task.FromResult(true);
        }, ct);
        if (_garbagePending) await ProcessGarbageChunksAsync(ct);
    }

    /// <summary>Puts the slices of every garbage record into the deleted-slice queue (idempotent puts first, then the record goes).</summary>
    private async Task ProcessGarbageChunksAsync(CancellationToken ct)
    {
        _garbagePending = false;
        var (from, to) = _keys.GarbageChunks;
        while (true)
        {
            var page = await RunAsync((txn, token) => txn.RangeAsync(from, to, 50, token), ct);
            foreach (var record in page.Entries)
            {
                var (_, slices) = GarbageCodec.Decode(record.Value);
                var now = NowNs();
                foreach (var batch in slices.Where(s => s.Slice.Id != 0).DistinctBy(s => s.Slice.Id).Chunk(WritesPerCleanupTransaction))
                {
                    await RunAsync((txn, _) =>
                    {
                        foreach (var s in batch) txn.Put(_keys.DeletedSlice(s.Slice.Id), DeletedSliceCodec.Encode(s.Slice.Size, now));
                        return Task.FromResult(true);
                    }, ct);
                }
                await RunAsync((txn, _) =>
                {
                    txn.Delete(record.Key);
                    return Task.FromResult(true);
                }, ct);
            }
            if (!page.More || page.Entries.Count == 0) break;
            from = [.. page.Entries[^1].Key, 0];
        }
    }
}
