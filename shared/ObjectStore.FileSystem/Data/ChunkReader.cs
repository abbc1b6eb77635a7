using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Data;

/// <summary>Reads a range of a chunk through its <see cref="ChunkView"/>: zeros for gaps and holes, stored slices through the block cache.</summary>
internal static class ChunkReader
{
    /// <summary>Reads buffered bytes of a pending slice: (slice, offset in the slice, destination, sequential, ct).</summary>
    public delegate Task PendingReader(PendingSlice slice, int offset, Memory<byte> destination, bool sequential, CancellationToken ct);

    public static async Task ReadAsync(FileData data, ChunkView view, uint start, Memory<byte> destination, bool sequential, PendingReader? pending, CancellationToken ct)
    {
        var end = start + (uint)destination.Length;
        var position = start;
        for (var i = view.FirstPieceAfter(start); position < end; i++)
        {
            if (i >= view.Pieces.Count || view.Pieces[i].Start >= end)
            {
                destination.Span[(int)(position - start)..].Clear();
                return;
            }

            var piece = view.Pieces[i];
            if (piece.Start > position)
            {
                destination.Span[(int)(position - start)..(int)(piece.Start - start)].Clear();
                position = piece.Start;
            }

            var pieceEnd = Math.Min(piece.End, end);
            var target = destination[(int)(position - start)..(int)(pieceEnd - start)];
            var offset = piece.SliceOffset + (position - piece.Start);
            if (piece.IsHole)
            {
                target.Span.Clear();
            }
            else if (piece.Pending is { } slice)
            {
                if (pending is null)
                {
                    throw new InvalidOperationException("a view with buffered slices needs their reader");
                }

                await pending(slice, (int)offset, target, sequential, ct).ConfigureAwait(false);
            }
            else
            {
                await ReadStoredAsync(data, piece.SliceId, piece.SliceSize, offset, target, sequential, ct).ConfigureAwait(false);
            }

            position = pieceEnd;
        }
    }

    /// <summary>Sequential readers and reads of a good part of a block fetch (and cache) the whole block; small random reads only their range.</summary>
    public static bool WholeBlock(bool sequential, int bytes, int blockLength) => sequential || bytes * 4L >= blockLength;

    private static async Task ReadStoredAsync(FileData data, ulong sliceId, uint sliceSize, uint offset, Memory<byte> target, bool sequential, CancellationToken ct)
    {
        while (!target.IsEmpty)
        {
            var block = (int)(offset / FileLayout.BlockSize);
            var inBlock = (int)(offset % FileLayout.BlockSize);
            var n = Math.Min(target.Length, FileLayout.BlockSize - inBlock);
            var blockLength = SliceObjects.BlockLength(sliceSize, block);
            if (inBlock + n > blockLength)
            {
                throw DataErrors.ShortBlock($"slice {sliceId} (size {sliceSize})", inBlock + n, blockLength);
            }

            await data.Blocks.ReadAsync(new BlockKey(sliceId, block), blockLength, inBlock, target[..n], WholeBlock(sequential, n, blockLength), ct).ConfigureAwait(false);
            target = target[n..];
            offset += (uint)n;
        }
    }
}
