using ObjectStore.FileSystem.Meta;
using ObjectStore.Fuse;

namespace ObjectStore.Mount.FileSystem;

public sealed partial class VolumeFileSystem
{
    public async ValueTask SetExtendedAttributeAsync(FuseContext context, ulong inode, string name, ReadOnlyMemory<byte> value, int flags, CancellationToken cancellationToken) =>
        await meta.SetExtendedAttributeAsync(inode, name, value, (XattrFlags)flags, cancellationToken).ConfigureAwait(false);

    public async ValueTask<byte[]> GetExtendedAttributeAsync(FuseContext context, ulong inode, string name, CancellationToken cancellationToken) =>
        await meta.GetExtendedAttributeAsync(inode, name, cancellationToken).ConfigureAwait(false);

    public async ValueTask<IReadOnlyList<string>> ListExtendedAttributesAsync(FuseContext context, ulong inode, CancellationToken cancellationToken) =>
        await meta.ListExtendedAttributesAsync(inode, cancellationToken).ConfigureAwait(false);

    public async ValueTask RemoveExtendedAttributeAsync(FuseContext context, ulong inode, string name, CancellationToken cancellationToken) =>
        await meta.RemoveExtendedAttributeAsync(inode, name, cancellationToken).ConfigureAwait(false);
}
