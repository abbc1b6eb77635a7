namespace ObjectStore.FileSystem.Meta;

public sealed partial class KvMeta
{
    public Task<Entry> LinkAsync(ulong inode, ulong newParent, string newName, CancellationToken ct)
    {
        Names.ValidateNew(newName);
        return RunAsync(async (txn, token) =>
        {
            var attributes = await txn.RequireAttributesAsync(inode, token);
            if (attributes.Type == InodeType.Directory) throw MetaErrors.NotPermitted($"inode {inode} is a directory: no hard links to directories");
            if (attributes.LinkCount == 0) throw MetaErrors.NoInode(inode);
            var (directory, existing) = await LoadDirectoryEntryAsync(txn, newParent, newName, token);
            if (existing is not null) throw MetaErrors.Exists(newParent, newName);
            var now = NowNs();
            if (DirectoryTimesStale(directory, now)) txn.PutAttributes(newParent, directory with { MtimeNs = now, CtimeNs = now });
            var linked = attributes with { LinkCount = attributes.LinkCount + 1, CtimeNs = now };
            txn.PutAttributes(inode, linked);
            txn.Put(_keys.DirectoryEntry(newParent, newName), DirectoryEntryCodec.Encode(attributes.Type, inode));
            return new Entry(inode, linked);
        }, ct);
    }
}
