namespace ObjectStore.FileSystem.Meta;

public sealed partial class KvMeta
{
    /// <summary>
    /// rename(2)/renameat2(2) as one transaction over everything it read: both directories, both entries, the moved
    /// inode(s), a replaced target, and — when a directory moves to another parent — every ancestor of the new parent
    /// (so a concurrent rename cannot make a cycle). Directory link counts and the moved directory's parent follow;
    /// both directories get new mtime/ctime, moved and replaced inodes a new ctime.
    /// </summary>
    public async Task RenameAsync(ulong parent, string name, ulong newParent, string newName, RenameFlags flags, CancellationToken ct)
    {
        if ((flags & ~(RenameFlags.NoReplace | RenameFlags.Exchange)) != 0 || flags == (RenameFlags.NoReplace | RenameFlags.Exchange))
            throw MetaErrors.Invalid($"rename flags {flags} are not supported together");
        Names.ValidateNew(name);
        Names.ValidateNew(newName);
        var deleted = 0UL;
        using (await _locks.AcquireAsync(parent, newParent, ct))
            deleted = await RunAsync(async (txn, token) =>
        {
            var (source, sourceEntry) = await LoadDirectoryEntryAsync(txn, parent, name, token);
            var (target, targetEntry) = parent == newParent ? (source, await txn.GetEntryAsync(newParent, newName, token)) : await LoadDirectoryEntryAsync(txn, newParent, newName, token);
            var (type, inode) = sourceEntry ?? throw MetaErrors.NoEntry(parent, name);
            if (parent == newParent && name == newName) return 0UL;
            if (flags.HasFlag(RenameFlags.Exchange))
            {
                var (otherType, other) = targetEntry ?? throw MetaErrors.NoEntry(newParent, newName);
                await ExchangeAsync(txn, parent, name, type, inode, newParent, newName, otherType, other, token);
                return 0UL;
            }
            if (targetEntry is { } existing)
            {
                if (flags.HasFlag(RenameFlags.NoReplace)) throw MetaErrors.Exists(newParent, newName);
                if (existing.Inode == inode) return 0UL; // two names of one file: rename does nothing (POSIX)
                if (type == InodeType.Directory && existing.Type != InodeType.Directory) throw MetaErrors.NotDirectory(existing.Inode);
                if (type != InodeType.Directory && existing.Type == InodeType.Directory) throw MetaErrors.IsDirectory(existing.Inode);
            }
            if (type == InodeType.Directory && parent != newParent) await RequireNotAncestorAsync(txn, inode, newParent, token);
            var now = NowNs();
            var moved = await txn.RequireAttributesAsync(inode, token);
            var movesDirectory = type == InodeType.Directory && parent != newParent;

            // Parents first: the source directory's record is this transaction's witness (its new ctime makes it unique).
            txn.PutAttributes(parent, source with { LinkCount = source.LinkCount - (movesDirectory ? 1u : 0u), MtimeNs = now, CtimeNs = now });
            if (parent != newParent)
                txn.PutAttributes(newParent, target with { LinkCount = target.LinkCount + (movesDirectory ? 1u : 0u), MtimeNs = now, CtimeNs = now });
            txn.PutAttributes(inode, moved with { Parent = type == InodeType.Directory ? newParent : moved.Parent, CtimeNs = now });
            txn.Delete(_keys.DirectoryEntry(parent, name));
            txn.Put(_keys.DirectoryEntry(newParent, newName), DirectoryEntryCodec.Encode(type, inode));

            if (targetEntry is not { } replaced) return 0UL;
            if (await txn.GetAttributesAsync(replaced.Inode, token) is not { } victim) return 0UL;
            if (replaced.Type == InodeType.Directory)
            {
                await RequireEmptyAsync(txn, replaced.Inode, token);
                var newDirectory = await txn.RequireAttributesAsync(newParent, token);
                txn.PutAttributes(newParent, newDirectory with { LinkCount = newDirectory.LinkCount - 1 });
                return await DeleteInodeAsync(txn, replaced.Inode, victim, token) ? replaced.Inode : 0UL;
            }
            return await DropLinkAsync(txn, replaced.Inode, victim, now, token);
        }, ct);
        if (deleted != 0) await ProcessDeletedFileQuietlyAsync(deleted, ct);
    }

    /// <summary>RENAME_EXCHANGE: both names stay, pointing at each other's inode; directories swapped between parents move their ".." and link counts.</summary>
    private async Task ExchangeAsync(MetaTransaction txn, ulong parent, string name, InodeType type, ulong inode,
        ulong newParent, string newName, InodeType otherType, ulong other, CancellationToken ct)
    {
        if (inode == other) return;
        if (parent != newParent)
        {
            if (type == InodeType.Directory) await RequireNotAncestorAsync(txn, inode, newParent, ct);
            if (otherType == InodeType.Directory) await RequireNotAncestorAsync(txn, other, parent, ct);
        }
        var now = NowNs();
        var first = await txn.RequireAttributesAsync(inode, ct);
        var second = await txn.RequireAttributesAsync(other, ct);
        var source = await txn.RequireAttributesAsync(parent, ct);
        var dirDelta = (type == InodeType.Directory ? 1 : 0) - (otherType == InodeType.Directory ? 1 : 0); // directories moving from parent to newParent
        if (parent == newParent) txn.PutAttributes(parent, source with { MtimeNs = now, CtimeNs = now });
        else
        {
            var target = await txn.RequireAttributesAsync(newParent, ct);
            txn.PutAttributes(parent, source with { LinkCount = (uint)(source.LinkCount - dirDelta), MtimeNs = now, CtimeNs = now });
            txn.PutAttributes(newParent, target with { LinkCount = (uint)(target.LinkCount + dirDelta), MtimeNs = now, CtimeNs = now });
        }
        txn.PutAttributes(inode, first with { Parent = type == InodeType.Directory ? newParent : first.Parent, CtimeNs = now });
        txn.PutAttributes(other, second with { Parent = otherType == InodeType.Directory ? parent : second.Parent, CtimeNs = now });
        txn.Put(_keys.DirectoryEntry(parent, name), DirectoryEntryCodec.Encode(otherType, other));
        txn.Put(_keys.DirectoryEntry(newParent, newName), DirectoryEntryCodec.Encode(type, inode));
    }

    /// <summary>EINVAL if <paramref name="directory"/> is <paramref name="destination"/> or one of its ancestors (a directory cannot move into itself).</summary>
    private static async Task RequireNotAncestorAsync(MetaTransaction txn, ulong directory, ulong destination, CancellationToken ct)
    {
        var current = destination;
        for (var depth = 0; ; depth++)
        {
            if (current == directory) throw MetaErrors.Invalid($"directory {directory} cannot be moved into itself or a subdirectory");
            if (current == IFileSystemMeta.RootInode) return;
            if (depth > 100) throw MetaErrors.TooLarge("the destination is more than 100 directories deep");
            current = (await txn.RequireAttributesAsync(current, ct)).Parent;
        }
    }
}
