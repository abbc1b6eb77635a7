using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Data;

/// <summary>
/// The one place that knows how a slice is laid out as objects in the store: block k of slice <c>id</c> is the object
/// <c>fs/&lt;volume&gt;/slices/&lt;id&gt;/&lt;k&gt;</c> and holds bytes [k·BlockSize, min(Size, (k+1)·BlockSize)) of the slice.
/// Blocks are immutable: written once, never rewritten, deleted only when no file references the slice.
/// </summary>
public static class SliceObjects
{
    public static string BlockName(string volume, ulong sliceId, int block) => $"fs/{volume}/slices/{sliceId}/{block}";

    public static int BlockCount(long sliceSize) => (int)((sliceSize + FileLayout.BlockSize - 1) / FileLayout.BlockSize);

    public static int BlockLength(long sliceSize, int block) => (int)Math.Min(FileLayout.BlockSize, sliceSize - ((long)block * FileLayout.BlockSize));
}
