using ObjectStore.Fuse;

namespace ObjectStore.Mount.FileSystem;

public sealed partial class VolumeFileSystem
{
    public async ValueTask<FuseAttributes> LookupAsync(FuseContext context, ulong parent, string name, CancellationToken cancellationToken) =>
        ToFuse(await meta.LookupAsync(parent, name, cancellationToken).ConfigureAwait(false));

    public async ValueTask<FuseAttributes> GetAttributesAsync(FuseContext context, ulong inode, ulong? handle, CancellationToken cancellationToken) =>
        ToFuse(inode, await meta.GetAttributesAsync(inode, cancellationToken).ConfigureAwait(false));
}
