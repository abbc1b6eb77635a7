namespace ObjectStore.FileSystem.Meta;

public sealed partial class KvMeta
{
    public Task<Entry> LookupAsync(ulong parent, string name, CancellationToken ct)
    {
        Names.ValidateLookup(name);
        return RunAsync(async (txn, token) =>
        {
            if (name is "." or "..")
            {
                var self = await txn.RequireDirectoryAsync(parent, token);
                if (name == ".") return new Entry(parent, self);
                return new Entry(self.Parent, await txn.RequireAttributesAsync(self.Parent, token));
            }
            // In a directory this client made and knows whole, a name it does not know is not there: no read.
            if (await IsKnownAbsentAsync(parent, name, token)) throw MetaErrors.NoEntry(parent, name);
            var values = await txn.GetManyAsync([_keys.DirectoryEntry(parent, name), _keys.Attributes(parent)], token);
            var (entryValue, parentValue) = (values[0], values[1]);
            if (parentValue is null) throw MetaErrors.NoInode(parent);
            var directory = AttributeCodec.Decode(parentValue);
            if (directory.Type != InodeType.Directory) throw MetaErrors.NotDirectory(parent);
            if (entryValue is null)
            {
                // The kernel looks a name up before it creates it: the create that follows needs no read of the directory.
                RememberDirectory(txn, parent, directory, afterCommit: false);
                throw MetaErrors.NoEntry(parent, name);
            }
            var (_, inode) = DirectoryEntryCodec.Decode(entryValue);
            var attributes = await txn.GetAttributesAsync(inode, token) ?? throw MetaErrors.NoEntry(parent, name);
            return new Entry(inode, attributes);
        }, ct);
    }

    public Task<InodeAttributes> GetAttributesAsync(ulong inode, CancellationToken ct) =>
        RunAsync((txn, token) => txn.RequireAttributesAsync(inode, token), ct);

    public Task<string> ReadLinkAsync(ulong inode, CancellationToken ct) =>
        RunAsync(async (txn, token) =>
        {
            var values = await txn.GetManyAsync([_keys.Symlink(inode), _keys.Attributes(inode)], token);
            var (target, attributes) = (values[0], values[1]);
            if (attributes is null) throw MetaErrors.NoInode(inode);
            if (AttributeCodec.Decode(attributes).Type != InodeType.Symlink || target is null) throw MetaErrors.NotSymlink(inode);
            return System.Text.Encoding.UTF8.GetString(target);
        }, ct);
}
