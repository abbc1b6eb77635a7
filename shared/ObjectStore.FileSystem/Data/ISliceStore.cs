namespace ObjectStore.FileSystem.Data;

/// <summary>
/// Where slice blocks live. The Api implementation is <see cref="HttpSliceStore"/>; unit tests use an in-memory one.
/// Failures that outlast the store's retries surface as <see cref="Meta.FileSystemException"/> with EIO;
/// a block that does not exist as <see cref="SliceBlockMissingException"/>.
/// </summary>
public interface ISliceStore
{
    /// <summary>Stores one block, given as consecutive segments (write-back pages) whose lengths add up to the block's length.</summary>
    Task PutBlockAsync(ulong sliceId, int block, IReadOnlyList<ReadOnlyMemory<byte>> segments, CancellationToken ct);

    /// <summary>Reads the whole block into <paramref name="destination"/>, whose length must be the block's length.</summary>
    Task ReadBlockAsync(ulong sliceId, int block, Memory<byte> destination, CancellationToken ct);

    /// <summary>Reads <c>destination.Length</c> bytes of the block starting at <paramref name="offset"/>.</summary>
    Task ReadRangeAsync(ulong sliceId, int block, int offset, Memory<byte> destination, CancellationToken ct);

    /// <summary>Deletes one block; deleting a block that does not exist succeeds.</summary>
    Task DeleteBlockAsync(ulong sliceId, int block, CancellationToken ct);
}
