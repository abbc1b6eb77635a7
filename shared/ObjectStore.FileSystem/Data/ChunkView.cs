using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Data;

/// <summary>
/// What a chunk reads as: its slices applied in order, later ones covering earlier ones, as sorted non-overlapping
/// pieces. Bytes no piece covers, and pieces of hole slices (id 0), read as zeros. Immutable; an open file overlays its
/// own not yet committed slices on the committed view with <see cref="Overlay"/>.
/// </summary>
internal sealed class ChunkView
{
    public static readonly ChunkView Empty = new([]);

    private ChunkView(List<ViewPiece> pieces)
    {
        Pieces = pieces;
    }

    public IReadOnlyList<ViewPiece> Pieces { get; }

    /// <summary>End of the last piece with data (not a hole): the chunk reads as zeros from here on.</summary>
    public uint DataEnd => Pieces.LastOrDefault(p => !p.IsHole) is { } last && !last.IsHole ? last.End : 0;

    public static ChunkView Build(IReadOnlyList<ChunkSlice> slices)
    {
        var pieces = new List<ViewPiece>(slices.Count);
        foreach (var s in slices)
        {
            if (s.Slice.Length > 0)
            {
                Cover(pieces, new ViewPiece(s.Position, s.Position + s.Slice.Length, s.Slice.Id, s.Slice.Size, s.Slice.Offset, null));
            }
        }

        return new ChunkView(pieces);
    }

    /// <summary>This view with buffered slices on top, in the order given (their creation order).</summary>
    public ChunkView Overlay(IReadOnlyList<PendingPiece> pending)
    {
        if (pending.Count == 0)
        {
            return this;
        }

        var pieces = new List<ViewPiece>(Pieces);
        foreach (var p in pending)
        {
            if (p.Length > 0)
            {
                Cover(pieces, new ViewPiece(p.Slice.Position, p.Slice.Position + (uint)p.Length, 0, 0, 0, p.Slice));
            }
        }

        return new ChunkView(pieces);
    }

    /// <summary>Index of the first piece that ends after <paramref name="position"/>.</summary>
    public int FirstPieceAfter(uint position)
    {
        int lo = 0, hi = Pieces.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (Pieces[mid].End <= position)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static void Cover(List<ViewPiece> pieces, ViewPiece piece)
    {
        // Pieces are sorted and disjoint: find those that overlap the new one, keep what sticks out on either side.
        var first = 0;
        while (first < pieces.Count && pieces[first].End <= piece.Start)
        {
            first++;
        }

        var last = first;
        while (last < pieces.Count && pieces[last].Start < piece.End)
        {
            last++;
        }

        var replacement = new List<ViewPiece>(3);
        if (first < last && pieces[first].Start < piece.Start)
        {
            replacement.Add(pieces[first].Cut(pieces[first].Start, piece.Start));
        }

        replacement.Add(piece);
        if (first < last && pieces[last - 1].End > piece.End)
        {
            replacement.Add(pieces[last - 1].Cut(piece.End, pieces[last - 1].End));
        }

        pieces.RemoveRange(first, last - first);
        pieces.InsertRange(first, replacement);
    }
}

/// <summary>
/// Bytes [Start, End) of a chunk come from a stored slice (<see cref="SliceId"/> ≠ 0, from <see cref="SliceOffset"/> on),
/// from a buffered slice of this mount (<see cref="Pending"/>, from <see cref="SliceOffset"/> on), or are a hole.
/// </summary>
internal readonly record struct ViewPiece(uint Start, uint End, ulong SliceId, uint SliceSize, uint SliceOffset, PendingSlice? Pending)
{
    public bool IsHole => SliceId == 0 && Pending is null;

    public ViewPiece Cut(uint start, uint end) => this with
    {
        Start = start,
        End = end,
        SliceOffset = Pending is null && SliceId == 0 ? 0 : SliceOffset + (start - Start),
    };
}

/// <summary>A buffered slice as a reader saw it: its length at that moment (it may grow afterwards).</summary>
internal readonly record struct PendingPiece(PendingSlice Slice, int Length);
