using ObjectStore.FileSystem.Meta;
using ObjectStore.Fuse;

namespace ObjectStore.Mount.FileSystem;

public sealed partial class VolumeFileSystem
{
    /// <summary>rename/renameat2: one namespace transaction, atomic against other mounts too.</summary>
    public async ValueTask RenameAsync(FuseContext context, ulong parent, string name, ulong newParent, string newName, uint flags, CancellationToken cancellationToken)
    {
        if ((flags & ~(FileModes.RenameNoReplace | FileModes.RenameExchange)) != 0)
        {
            throw new FuseException(FuseErrno.EINVAL, $"rename flags 0x{flags:x}"); // RENAME_WHITEOUT is for overlay file systems
        }

        await meta.RenameAsync(parent, name, newParent, newName, (RenameFlags)flags, cancellationToken).ConfigureAwait(false);
    }
}
