using ObjectStore.Fuse;

namespace ObjectStore.Mount.FileSystem;

// read and write through an open handle.
public sealed partial class VolumeFileSystem
{
    public async ValueTask<int> ReadAsync(FuseContext context, ulong inode, ulong handle, long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
        await File(handle).Data.ReadAsync(offset, destination, cancellationToken).ConfigureAwait(false);

    // Large sequential reads are answered from the cached block itself: the copy into a reply buffer was ~15 % of the
    // mount's CPU while it streamed a file.
    public async ValueTask<FuseReadResult> ReadOwnedAsync(FuseContext context, ulong inode, ulong handle, long offset, int length, CancellationToken cancellationToken)
    {
        var lease = await File(handle).Data.ReadLeasedAsync(offset, length, cancellationToken).ConfigureAwait(false);
        return new FuseReadResult(lease.Data, lease);
    }

    public async ValueTask<int> WriteAsync(FuseContext context, ulong inode, ulong handle, long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var file = File(handle);
        // O_APPEND: the kernel sends its cached size as the offset, which another mount may have moved; the data layer
        // knows the current end (the kernel serialises writes to one inode, so nothing lands between read and write).
        var at = file.Append ? file.Data.Length : offset;
        await file.Data.WriteAsync(at, data, cancellationToken).ConfigureAwait(false);
        return data.Length;
    }
}
