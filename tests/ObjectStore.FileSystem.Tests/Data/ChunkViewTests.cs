using ObjectStore.FileSystem.Data;
using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Tests.Data;

public sealed class ChunkViewTests
{
    [Fact]
    public void Later_slices_cover_earlier_ones_and_keep_the_uncovered_parts_at_the_right_offsets()
    {
        var view = ChunkView.Build(
        [
            new ChunkSlice(0, new Slice(1, 100, 0, 100)),
            new ChunkSlice(20, new Slice(2, 10, 0, 10)),
            new ChunkSlice(90, new Slice(3, 50, 10, 40)),
            new ChunkSlice(200, new Slice(0, 50, 0, 50)),
        ]);

        Assert.Equal(
        [
            new ViewPiece(0, 20, 1, 100, 0, null),
            new ViewPiece(20, 30, 2, 10, 0, null),
            new ViewPiece(30, 90, 1, 100, 30, null),
            new ViewPiece(90, 130, 3, 50, 10, null),
            new ViewPiece(200, 250, 0, 50, 0, null),
        ], view.Pieces);
        Assert.Equal(130u, view.DataEnd);
        Assert.Equal(2, view.FirstPieceAfter(30));
        Assert.Equal(4, view.FirstPieceAfter(130));
    }

    [Fact]
    public void A_slice_covering_everything_leaves_one_piece()
    {
        var view = ChunkView.Build(
        [
            new ChunkSlice(10, new Slice(1, 10, 0, 10)),
            new ChunkSlice(30, new Slice(2, 10, 0, 10)),
            new ChunkSlice(0, new Slice(3, 100, 0, 100)),
        ]);

        Assert.Equal([new ViewPiece(0, 100, 3, 100, 0, null)], view.Pieces);
    }
}
