using ObjectStore.FileSystem.Meta;
using ObjectStore.Fuse;

namespace ObjectStore.Mount.FileSystem;

// Creating and removing names: mknod, mkdir, symlink, readlink, link, unlink, rmdir.
public sealed partial class VolumeFileSystem
{
    public async ValueTask<FuseAttributes> MakeNodeAsync(FuseContext context, ulong parent, string name, uint mode, uint rdev, CancellationToken cancellationToken)
    {
        var type = (mode & FileModes.TypeMask) switch
        {
            FileModes.Regular or 0 => InodeType.File,
            FileModes.Fifo => InodeType.Fifo,
            FileModes.CharDevice => InodeType.CharDevice,
            FileModes.BlockDevice => InodeType.BlockDevice,
            FileModes.Socket => InodeType.Socket,
            _ => throw new FuseException(FuseErrno.EINVAL, $"mknod of type 0x{mode & FileModes.TypeMask:x}"),
        };
        return ToFuse(await meta.MakeNodeAsync(parent, name, type, mode & 0xFFF, context.Uid, context.Gid, rdev, cancellationToken).ConfigureAwait(false));
    }

    public async ValueTask<FuseAttributes> MakeDirectoryAsync(FuseContext context, ulong parent, string name, uint mode, CancellationToken cancellationToken) =>
        ToFuse(await meta.MakeDirectoryAsync(parent, name, mode & 0xFFF, context.Uid, context.Gid, cancellationToken).ConfigureAwait(false));

    public async ValueTask<FuseAttributes> SymlinkAsync(FuseContext context, string target, ulong parent, string name, CancellationToken cancellationToken) =>
        ToFuse(await meta.SymlinkAsync(parent, name, target, context.Uid, context.Gid, cancellationToken).ConfigureAwait(false));

    public async ValueTask<string> ReadLinkAsync(FuseContext context, ulong inode, CancellationToken cancellationToken) =>
        await meta.ReadLinkAsync(inode, cancellationToken).ConfigureAwait(false);

    public async ValueTask<FuseAttributes> LinkAsync(FuseContext context, ulong inode, ulong newParent, string newName, CancellationToken cancellationToken) =>
        ToFuse(await meta.LinkAsync(inode, newParent, newName, cancellationToken).ConfigureAwait(false));

    public async ValueTask UnlinkAsync(FuseContext context, ulong parent, string name, CancellationToken cancellationToken) =>
        await meta.UnlinkAsync(parent, name, cancellationToken).ConfigureAwait(false);

    public async ValueTask RemoveDirectoryAsync(FuseContext context, ulong parent, string name, CancellationToken cancellationToken) =>
        await meta.RemoveDirectoryAsync(parent, name, cancellationToken).ConfigureAwait(false);
}
