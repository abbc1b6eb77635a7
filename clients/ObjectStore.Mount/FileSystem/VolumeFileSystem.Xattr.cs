using ObjectStore.FileSystem.Meta;
using ObjectStore.Fuse;

namespace ObjectStore.Mount.FileSystem;

public sealed partial class VolumeFileSystem
{
    public async ValueTask SetExtendedAttributeAsync(FuseContext context, ulong inode, string name, ReadOnlyMemory<byte> value, int flags, CancellationToken cancellationToken) =>
        await meta.SetExtendedAttributeAsync(inode, name, value, (XattrFlags)flags, cancellationToken).ConfigureAwait(false);

    // Not async: a value known absent (ls -l asks for two of every entry) comes back as a faulted task, never thrown here.
    public ValueTask<byte[]> GetExtendedAttributeAsync(FuseContext context, ulong inode, string name, CancellationToken cancellationToken) =>
        new(meta.GetExtendedAttributeAsync(inode, name, cancellationToken));

    public ValueTask<IReadOnlyList<string>> ListExtendedAttributesAsync(FuseContext context, ulong inode, CancellationToken cancellationToken) =>
        new(meta.ListExtendedAttributesAsync(inode, cancellationToken));

    public async ValueTask RemoveExtendedAttributeAsync(FuseContext context, ulong inode, string name, CancellationToken cancellationToken) =>
        await meta.RemoveExtendedAttributeAsync(inode, name, cancellationToken).ConfigureAwait(false);
}
