using System.Buffers;

namespace ObjectStore.Fuse.Native;

// The asynchronous halves of the callbacks whose buffers need care; kept out of the unsafe part (no await there).
internal static partial class FuseCallbacks
{
    private static async ValueTask<int> WriteAsync(
        FuseMount mount, FuseContext context, ulong inode, ulong handle, long offset, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        try
        {
            return await mount.FileSystem.WriteAsync(context, inode, handle, offset, buffer.AsMemory(0, length), cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async ValueTask<FuseDirectoryBuffer> FillDirectoryAsync(
        FuseMount mount, FuseContext context, ulong inode, ulong handle, long offset, FuseDirectoryBuffer buffer, CancellationToken cancellationToken)
    {
        try
        {
            await mount.FileSystem.ReadDirectoryAsync(context, inode, handle, offset, buffer, cancellationToken).ConfigureAwait(false);
            return buffer;
        }
        catch
        {
            buffer.Free();
            throw;
        }
    }
}
