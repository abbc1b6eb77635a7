namespace ObjectStore.FileSystem.Meta;

public sealed partial class KvMeta
{
    public Task<InodeAttributes> SetAttributesAsync(ulong inode, SetAttributes changes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Mode is > 0xFFF) throw MetaErrors.Invalid($"mode {Convert.ToString(changes.Mode.Value, 8)} has bits beyond 07777");
        var attempts = 0;
        return RunAsync(async (txn, token) =>
        {
            InodeAttributes old;
            var withoutExtendedAttributes = false;
            if (++attempts == 1 && RecentFile(inode) is { } known)
            {
                // Written by this client a moment ago (see KnownFiles): commit against that revision, no read.
                old = known.Attributes;
                txn.RequireUnchanged(_keys.Attributes(inode), known.ModRevision);
                withoutExtendedAttributes = known.WithoutExtendedAttributes;
            }
            else
                old = await txn.RequireAttributesAsync(inode, token);
            var updated = old with
            {
                Mode = changes.Mode ?? old.Mode,
                Uid = changes.Uid ?? old.Uid,
                Gid = changes.Gid ?? old.Gid,
                AtimeNs = changes.AtimeNs ?? old.AtimeNs,
                MtimeNs = changes.MtimeNs ?? old.MtimeNs,
                CtimeNs = changes.CtimeNs ?? NowNs(),
            };
            txn.PutAttributes(inode, updated);
            RememberFile(txn, inode, updated, withoutExtendedAttributes);
            return updated;
        }, ct);
    }

    /// <summary>
    /// Sets a file's length in one transaction. Shrinking trims the boundary chunk's slices to the new end and moves
    /// whole chunks past it aside (to be queued for deletion), so that growing the file later reads zeros there.
    /// A file with more chunks past the new end than one transaction can move has them moved in earlier batches
    /// (not atomic with the length change: a crash in between leaves the length but zeros in the cut tail).
    /// </summary>
    public async Task<InodeAttributes> TruncateAsync(ulong inode, ulong length, CancellationToken ct)
    {
        if (length > Names.MaxFileLength) throw MetaErrors.FileTooBig(length);
        var firstWholeChunk = (uint)((length + FileLayout.ChunkSize - 1) / FileLayout.ChunkSize);
        const int chunksPerTransaction = 40;
        using var held = await _locks.AcquireAsync(inode, ct);
        while (true)
        {
            var pending = await RunAsync(async (txn, token) =>
            {
                var attributes = await RequireFileAsync(txn, inode, token);
                if (length >= attributes.Length) return false;
                var page = await txn.RangeAsync(_keys.Chunk(inode, firstWholeChunk), _keys.ChunksEnd(inode), chunksPerTransaction + 1, token);
                if (page.Entries.Count <= chunksPerTransaction) return false;
                await MoveChunksAsideAsync(txn, inode, page.Entries.Take(chunksPerTransaction), token);
                return true;
            }, ct);
            if (!pending) break;
        }
        var (result, moved) = await RunAsync(async (txn, token) =>
        {
            var old = await RequireFileAsync(txn, inode, token);
            var now = NowNs();
            var updated = old with { Length = length, MtimeNs = now, CtimeNs = now };
            txn.PutAttributes(inode, updated);
            txn.UsedBytesDelta = SpaceOf(updated) - SpaceOf(old);
            if (length >= old.Length) return (updated, false);
            var cut = (uint)(length % FileLayout.ChunkSize);
            if (cut != 0) await TrimChunkAsync(txn, inode, (uint)(length / FileLayout.ChunkSize), cut, token);
            var page = await txn.RangeAsync(_keys.Chunk(inode, firstWholeChunk), _keys.ChunksEnd(inode), chunksPerTransaction, token);
            await MoveChunksAsideAsync(txn, inode, page.Entries, token);
            return (updated, page.Entries.Count > 0);
        }, ct);
        if (moved) await ProcessGarbageChunksQuietlyAsync(ct);
        return result;
    }

    private static async Task<InodeAttributes> RequireFileAsync(MetaTransaction txn, ulong inode, CancellationToken ct)
    {
        var attributes = await txn.RequireAttributesAsync(inode, ct);
        return attributes.Type switch
        {
            InodeType.File => attributes,
            InodeType.Directory => throw MetaErrors.IsDirectory(inode),
            _ => throw MetaErrors.Invalid($"inode {inode} is a {attributes.Type}, not a regular file"),
        };
    }

    /// <summary>Cuts a chunk's slices at <paramref name="cut"/>: entries past it are dropped (their slices queued), entries across it shortened.</summary>
    private async Task TrimChunkAsync(MetaTransaction txn, ulong inode, uint chunk, uint cut, CancellationToken ct)
    {
        var key = _keys.Chunk(inode, chunk);
        if (await txn.GetAsync(key, ct) is not { } value) return;
        var slices = ChunkCodec.Decode(value);
        var kept = new List<ChunkSlice>(slices.Count);
        foreach (var s in slices)
        {
            if (s.Position >= cut) continue;
            kept.Add(s.End > cut ? s with { Slice = s.Slice with { Length = cut - s.Position } } : s);
        }
        if (kept.Count == slices.Count && kept.SequenceEqual(slices)) return;
        if (kept.Count == 0) txn.Delete(key);
        else txn.Put(key, ChunkCodec.Encode(kept));
        await QueueUnreferencedSlicesAsync(txn, inode, slices, kept, ct);
    }
}
