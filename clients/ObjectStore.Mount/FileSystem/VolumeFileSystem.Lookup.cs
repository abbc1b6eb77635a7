using ObjectStore.Fuse;

namespace ObjectStore.Mount.FileSystem;

public sealed partial class VolumeFileSystem
{
    public async ValueTask<FuseAttributes> LookupAsync(FuseContext context, ulong parent, string name, CancellationToken cancellationToken) =>
        ToFuse(await meta.LookupAsync(parent, name, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// A directory this mount has just read or changed, or a file it has just written, is answered from what it knows (the
    /// kernel asks for a directory after every create in it, for its permission check, and for a file before every chown,
    /// to clear its set-user-id bit): as fresh as the kernel's own attribute cache would be.
    /// </summary>
    public async ValueTask<FuseAttributes> GetAttributesAsync(FuseContext context, ulong inode, ulong? handle, CancellationToken cancellationToken) =>
        ToFuse(inode, meta.RecentAttributes(inode) ?? await meta.GetAttributesAsync(inode, cancellationToken).ConfigureAwait(false));
}
