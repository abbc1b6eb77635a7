using ObjectStore.FileSystem.Meta;
using ObjectStore.Fuse;

namespace ObjectStore.Mount.FileSystem;

public sealed partial class VolumeFileSystem
{
    /// <summary>chmod, chown, truncate, utimens. The kernel has checked permissions (default_permissions).</summary>
    public async ValueTask<FuseAttributes> SetAttributesAsync(FuseContext context, ulong inode, FuseSetAttributes changes, ulong? handle, CancellationToken cancellationToken)
    {
        InodeAttributes? attributes = null;
        if (changes.Size is { } size)
        {
            // Through the data layer: buffered writes of the file are flushed first so none lands past the new end.
            attributes = await data.TruncateAsync(inode, size, cancellationToken).ConfigureAwait(false);
        }

        var now = NowNs();
        var set = new SetAttributes
        {
            Mode = changes.Mode is { } mode ? mode & 0xFFF : null,
            Uid = changes.Uid,
            Gid = changes.Gid,
            AtimeNs = changes.AccessTimeNow ? now : changes.AccessTimeNs,
            MtimeNs = changes.ModifyTimeNow ? now : changes.ModifyTimeNs,
            CtimeNs = changes.ChangeTimeNs,
        };
        if (set.Mode is not null || set.Uid is not null || set.Gid is not null || set.AtimeNs is not null || set.MtimeNs is not null || set.CtimeNs is not null)
        {
            attributes = await meta.SetAttributesAsync(inode, set, cancellationToken).ConfigureAwait(false);
        }

        attributes ??= await meta.GetAttributesAsync(inode, cancellationToken).ConfigureAwait(false);
        return ToFuse(inode, attributes);
    }
}
