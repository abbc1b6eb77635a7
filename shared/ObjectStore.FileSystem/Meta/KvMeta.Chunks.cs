namespace ObjectStore.FileSystem.Meta;

public sealed partial class KvMeta
{
    public Task<IReadOnlyList<ChunkSlice>> ReadChunkAsync(ulong inode, uint chunkIndex, CancellationToken ct) =>
        RunAsync<IReadOnlyList<ChunkSlice>>(async (txn, token) =>
            await txn.GetAsync(_keys.Chunk(inode, chunkIndex), token) is { } value ? ChunkCodec.Decode(value) : [], ct);

    /// <summary>
    /// Appends a slice to a chunk's list and extends the file, in one transaction with the attributes. Earlier
    /// entries the new slice covers completely can never be seen again: they leave the list and their slices go
    /// to the deleted-slice queue at once (an overwrite frees space without waiting for a compaction).
    /// </summary>
    public async Task<InodeAttributes> WriteAsync(ulong inode, uint chunkIndex, uint position, Slice slice, long mtimeNs, CancellationToken ct)
    {
        if (slice.Id == 0 || slice.Length == 0 || (ulong)slice.Offset + slice.Length > slice.Size || (ulong)position + slice.Length > FileLayout.ChunkSize)
            throw MetaErrors.Invalid($"slice {slice} does not fit at {position} of a chunk of {FileLayout.ChunkSize} bytes");
        var added = new ChunkSlice(position, slice);
        InodeAttributes result;
        var attempts = 0;
        using (await _locks.AcquireAsync(inode, ct))
            result = await RunAsync(async (txn, token) =>
        {
            InodeAttributes old;
            IReadOnlyList<ChunkSlice> slices;
            var withoutExtendedAttributes = false;
            var chunkStart = (ulong)chunkIndex * FileLayout.ChunkSize;
            if (++attempts == 1 && RecentFile(inode) is { } known && known.Attributes.Length <= chunkStart)
            {
                // Written by this client a moment ago and not yet as long as this chunk (a file being filled, a small
                // file's only slice): no read; the commit requires the attributes unchanged and the chunk absent.
                old = known.Attributes;
                txn.RequireUnchanged(_keys.Attributes(inode), known.ModRevision);
                txn.RequireIncarnation(_keys.Chunk(inode, chunkIndex), 0);
                slices = [];
                withoutExtendedAttributes = known.WithoutExtendedAttributes;
            }
            else
            {
                var values = await txn.GetManyAsync([_keys.Attributes(inode), _keys.Chunk(inode, chunkIndex)], token);
                if (values[0] is not { } attributeValue) throw MetaErrors.NoInode(inode);
                old = AttributeCodec.Decode(attributeValue);
                if (old.Type != InodeType.File) throw old.Type == InodeType.Directory ? MetaErrors.IsDirectory(inode) : MetaErrors.Invalid($"inode {inode} is not a regular file");
                slices = values[1] is { } chunkValue ? ChunkCodec.Decode(chunkValue) : [];
            }
            var kept = slices.Where(s => s.Position < added.Position || s.End > added.End).Append(added).ToList();
            var end = chunkStart + added.End;
            var updated = old with { Length = Math.Max(old.Length, end), MtimeNs = mtimeNs, CtimeNs = NowNs() };
            txn.PutAttributes(inode, updated);
            RememberFile(txn, inode, updated, withoutExtendedAttributes);
            txn.Put(_keys.Chunk(inode, chunkIndex), ChunkCodec.Encode(kept));
            await QueueUnreferencedSlicesAsync(txn, inode, slices, kept, token);
            txn.UsedBytesDelta = SpaceOf(updated) - SpaceOf(old);
            return updated;
        }, ct);
        if (_garbagePending) await ProcessGarbageChunksQuietlyAsync(ct);
        return result;
    }

    public async Task<bool> CompactChunkAsync(ulong inode, uint chunkIndex, IReadOnlyList<ChunkSlice> replaced, Slice merged, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(replaced);
        if (replaced.Count == 0) throw MetaErrors.Invalid("a compaction replaces at least one slice");
        var start = replaced.Min(s => s.Position);
        var end = replaced.Max(s => s.End);
        if (merged.Id == 0 || merged.Length != end - start || (ulong)merged.Offset + merged.Length > merged.Size)
            throw MetaErrors.Invalid($"merged slice {merged} must cover [{start}, {end}) of the chunk");
        var done = await RunAsync(async (txn, token) =>
        {
            var key = _keys.Chunk(inode, chunkIndex);
            if (await txn.GetAsync(key, token) is not { } value) return false;
            var slices = ChunkCodec.Decode(value);
            if (slices.Count < replaced.Count || !slices.Take(replaced.Count).SequenceEqual(replaced)) return false;
            var compacted = slices.Skip(replaced.Count).Prepend(new ChunkSlice(start, merged)).ToList();
            txn.Put(key, ChunkCodec.Encode(compacted));
            await QueueUnreferencedSlicesAsync(txn, inode, slices, compacted, token);
            return true;
        }, ct);
        if (_garbagePending) await ProcessGarbageChunksQuietlyAsync(ct);
        return done;
    }
}
