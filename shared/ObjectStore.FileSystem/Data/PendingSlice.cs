using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Data;

/// <summary>
/// A slice being written by this mount and not yet committed to the namespace: bytes [0, Length) placed at
/// <see cref="Position"/> of chunk <see cref="Chunk"/>, held in pooled pages until their block is stored.
/// Blocks below <see cref="SealedBlocks"/> no longer change and are uploading or uploaded; the rest can still be
/// written (overwritten or extended). Frozen: no more writes, every block sealed. All state is guarded by the
/// owning <see cref="OpenFile"/>'s lock.
/// </summary>
internal sealed class PendingSlice(uint chunk, uint position)
{
    public const int PageSize = 64 << 10;
    public const int PagesPerBlock = FileLayout.BlockSize / PageSize;

    public uint Chunk { get; } = chunk;

    public uint Position { get; } = position;

    public int Length { get; set; }

    /// <summary>Page i holds bytes [i·PageSize, (i+1)·PageSize) of the slice while its block is not stored; null before it is written and after it is stored.</summary>
    public List<byte[]?> Pages { get; } = [];

    public int SealedBlocks { get; set; }

    public bool Frozen { get; set; }

    /// <summary>Upload of each sealed block; a faulted one is started again by the next flush.</summary>
    public List<Task> Uploads { get; } = [];

    /// <summary>The slice id, asked for when the first block is uploaded.</summary>
    public Task<ulong>? Id { get; set; }

    public long MtimeNs { get; set; }

    /// <summary>A commit of this slice failed in a way that may still have committed it: its objects must not be deleted.</summary>
    public bool CommitUncertain { get; set; }

    public uint End => Position + (uint)Length;

    public int WritableFrom => SealedBlocks * FileLayout.BlockSize;

    /// <summary>True when the block's bytes are still in pages (not stored, or storing).</summary>
    public bool InMemory(int block)
    {
        var page = block * PagesPerBlock;
        return page < Pages.Count && Pages[page] is not null;
    }

    public int BlockLength(int block) => SliceObjects.BlockLength(Length, block);

    public bool Uploaded => Frozen && Uploads.Count == SliceObjects.BlockCount(Length) && Uploads.All(u => u.IsCompletedSuccessfully);

    public ulong StoredId => Id is { IsCompletedSuccessfully: true } id ? id.Result : 0;

    public Slice ToSlice() => new(StoredId, (uint)Length, 0, (uint)Length);

    /// <summary>Copies bytes [offset, offset + destination.Length) from the pages (all of them must be in memory).</summary>
    public void CopyFromPages(int offset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            var page = Pages[offset / PageSize]!;
            var inPage = offset % PageSize;
            var n = Math.Min(destination.Length, PageSize - inPage);
            page.AsSpan(inPage, n).CopyTo(destination);
            destination = destination[n..];
            offset += n;
        }
    }

    /// <summary>The block's bytes as segments of its pages, for sending without a copy.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> BlockSegments(int block)
    {
        var length = BlockLength(block);
        var segments = new List<ReadOnlyMemory<byte>>(PagesPerBlock);
        var first = block * PagesPerBlock;
        for (var done = 0; done < length; done += PageSize)
        {
            segments.Add(Pages[first + (done / PageSize)].AsMemory(0, Math.Min(PageSize, length - done)));
        }

        return segments;
    }
}
