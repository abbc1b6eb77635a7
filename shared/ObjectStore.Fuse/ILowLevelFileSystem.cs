using System.Buffers;

namespace ObjectStore.Fuse;

/// <summary>
/// A file system served through libfuse's low-level (inode-numbered) API: one async method per FUSE operation.
/// </summary>
/// <remarks>
/// Each request runs on a libfuse thread until its first real await and completes on whichever thread finishes it;
/// the reply is sent from there. Throw <see cref="FuseException"/> (or an exception that
/// <see cref="FuseMountOptions.TranslateError"/> maps) to answer an errno; anything else answers EIO and is logged.
/// Memory handed to a method (write data, read and directory buffers) is only valid until its task completes.
/// Inode 1 is the root. Forget is synchronous and must be cheap: it runs on the libfuse thread.
/// </remarks>
public interface ILowLevelFileSystem
{
    ValueTask<FuseAttributes> LookupAsync(FuseContext context, ulong parent, string name, CancellationToken cancellationToken);

    void Forget(ulong inode, ulong lookups);

    ValueTask<FuseAttributes> GetAttributesAsync(FuseContext context, ulong inode, ulong? handle, CancellationToken cancellationToken);

    ValueTask<FuseAttributes> SetAttributesAsync(FuseContext context, ulong inode, FuseSetAttributes changes, ulong? handle, CancellationToken cancellationToken);

    ValueTask<string> ReadLinkAsync(FuseContext context, ulong inode, CancellationToken cancellationToken);

    ValueTask<FuseAttributes> MakeNodeAsync(FuseContext context, ulong parent, string name, uint mode, uint rdev, CancellationToken cancellationToken);

    ValueTask<FuseAttributes> MakeDirectoryAsync(FuseContext context, ulong parent, string name, uint mode, CancellationToken cancellationToken);

    ValueTask UnlinkAsync(FuseContext context, ulong parent, string name, CancellationToken cancellationToken);

    ValueTask RemoveDirectoryAsync(FuseContext context, ulong parent, string name, CancellationToken cancellationToken);

    ValueTask<FuseAttributes> SymlinkAsync(FuseContext context, string target, ulong parent, string name, CancellationToken cancellationToken);

    /// <param name="flags"><see cref="FileModes.RenameNoReplace"/> / <see cref="FileModes.RenameExchange"/>.</param>
    ValueTask RenameAsync(FuseContext context, ulong parent, string name, ulong newParent, string newName, uint flags, CancellationToken cancellationToken);

    ValueTask<FuseAttributes> LinkAsync(FuseContext context, ulong inode, ulong newParent, string newName, CancellationToken cancellationToken);

    ValueTask<FuseOpenResult> OpenAsync(FuseContext context, ulong inode, int flags, CancellationToken cancellationToken);

    /// <returns>Bytes placed at the start of <paramref name="destination"/>; fewer than asked only at end of file.</returns>
    ValueTask<int> ReadAsync(FuseContext context, ulong inode, ulong handle, long offset, Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>
    /// A read answered from memory that must stay valid until the result's owner is disposed, which happens once the
    /// reply is sent. A file system that holds the bytes already (a cached block) answers with them and saves copying
    /// every byte read; the default copies through <see cref="ReadAsync"/> into a pooled buffer.
    /// </summary>
    async ValueTask<FuseReadResult> ReadOwnedAsync(FuseContext context, ulong inode, ulong handle, long offset, int length, CancellationToken cancellationToken)
    {
        var buffer = MemoryPool<byte>.Shared.Rent(length);
        try
        {
            var read = await ReadAsync(context, inode, handle, offset, buffer.Memory[..length], cancellationToken).ConfigureAwait(false);
            return new FuseReadResult(buffer.Memory[..read], buffer);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <returns>Bytes written (all of them, or an exception).</returns>
    ValueTask<int> WriteAsync(FuseContext context, ulong inode, ulong handle, long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Called on every close() of a file descriptor (several per handle after dup/fork).</summary>
    ValueTask FlushAsync(FuseContext context, ulong inode, ulong handle, CancellationToken cancellationToken);

    /// <summary>The last reference to the handle is gone; its errors reach nobody.</summary>
    ValueTask ReleaseAsync(FuseContext context, ulong inode, ulong handle, int flags, CancellationToken cancellationToken);

    ValueTask FsyncAsync(FuseContext context, ulong inode, ulong handle, bool dataOnly, CancellationToken cancellationToken);

    ValueTask<FuseOpenResult> OpenDirectoryAsync(FuseContext context, ulong inode, int flags, CancellationToken cancellationToken);

    /// <summary>
    /// Fills <paramref name="buffer"/> with the entries after <paramref name="offset"/> (0: from the start) until it is
    /// full; each entry carries the offset of the one after it, which the kernel may pass back later (seekdir).
    /// </summary>
    ValueTask ReadDirectoryAsync(FuseContext context, ulong inode, ulong handle, long offset, FuseDirectoryBuffer buffer, CancellationToken cancellationToken);

    ValueTask ReleaseDirectoryAsync(FuseContext context, ulong inode, ulong handle, CancellationToken cancellationToken);

    ValueTask<FuseStatistics> StatFsAsync(FuseContext context, ulong inode, CancellationToken cancellationToken);

    /// <param name="flags"><see cref="FileModes.XattrCreate"/> / <see cref="FileModes.XattrReplace"/>.</param>
    ValueTask SetExtendedAttributeAsync(FuseContext context, ulong inode, string name, ReadOnlyMemory<byte> value, int flags, CancellationToken cancellationToken);

    /// <summary>The value; throw ENODATA when there is none.</summary>
    ValueTask<byte[]> GetExtendedAttributeAsync(FuseContext context, ulong inode, string name, CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<string>> ListExtendedAttributesAsync(FuseContext context, ulong inode, CancellationToken cancellationToken);

    ValueTask RemoveExtendedAttributeAsync(FuseContext context, ulong inode, string name, CancellationToken cancellationToken);

    ValueTask<FuseCreateResult> CreateAsync(FuseContext context, ulong parent, string name, uint mode, int flags, CancellationToken cancellationToken);
}
