namespace ObjectStore.FileSystem.Data;

/// <summary>A block that should exist is not in the store: the slice list read was stale (compacted or truncated meanwhile) or data was lost.</summary>
public sealed class SliceBlockMissingException(ulong sliceId, int block)
    : Exception($"block {block} of slice {sliceId} is not in the store")
{
    public ulong SliceId { get; } = sliceId;

    public int Block { get; } = block;
}
