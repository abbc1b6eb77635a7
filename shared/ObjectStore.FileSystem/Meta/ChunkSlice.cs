namespace ObjectStore.FileSystem.Meta;

/// <summary>
/// A slice placed at <paramref name="Position"/> (byte offset inside the chunk). Later entries of a chunk's list
/// cover earlier ones where they overlap; a slice with Id 0 is a hole (zeros), used by truncate.
/// </summary>
public readonly record struct ChunkSlice(uint Position, Slice Slice)
{
    /// <summary>Offset inside the chunk just past the bytes this entry covers.</summary>
    public uint End => Position + Slice.Length;
}
