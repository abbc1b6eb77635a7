using System.Text;

namespace ObjectStore.FileSystem.Meta;

public sealed partial class KvMeta
{
    private const uint SetGid = 0x400; // S_ISGID (02000)

    public Task<Entry> MakeNodeAsync(ulong parent, string name, InodeType type, uint mode, uint uid, uint gid, uint rdev, CancellationToken ct)
    {
        if (type is InodeType.Directory or InodeType.Symlink || !Enum.IsDefined(type))
            throw MetaErrors.Invalid($"mknod cannot create a {type}; use mkdir or symlink");
        return CreateAsync(parent, name, type, mode, uid, gid, rdev, null, ct);
    }

    public Task<Entry> MakeDirectoryAsync(ulong parent, string name, uint mode, uint uid, uint gid, CancellationToken ct) =>
        CreateAsync(parent, name, InodeType.Directory, mode, uid, gid, 0, null, ct);

    public Task<Entry> SymlinkAsync(ulong parent, string name, string target, uint uid, uint gid, CancellationToken ct)
    {
        Names.ValidateSymlinkTarget(target);
        return CreateAsync(parent, name, InodeType.Symlink, 0x1FF /* 0777 */, uid, gid, 0, target, ct);
    }

    /// <summary>
    /// A create is one transaction (the inode id comes from this client's batch): the entry must not exist, the
    /// parent must be a directory and is updated (mtime, ctime, and nlink for a subdirectory). In a set-group-id
    /// directory the new inode takes the directory's group, and a new directory keeps the bit (as Linux does).
    /// </summary>
    private async Task<Entry> CreateAsync(ulong parent, string name, InodeType type, uint mode, uint uid, uint gid, uint rdev, string? target, CancellationToken ct)
    {
        Names.ValidateNew(name);
        var inode = await NewInodeAsync(ct);
        return await RunAsync(async (txn, token) =>
        {
            var (directory, existing) = await LoadDirectoryEntryAsync(txn, parent, name, token);
            if (existing is not null) throw MetaErrors.Exists(parent, name);
            var now = NowNs();
            var permissions = mode & 0xFFF;
            if ((directory.Mode & SetGid) != 0)
            {
                gid = directory.Gid;
                if (type == InodeType.Directory) permissions |= SetGid;
            }
            var targetBytes = target is null ? null : Encoding.UTF8.GetBytes(target);
            var attributes = new InodeAttributes(type, permissions, uid, gid, type == InodeType.Directory ? 2u : 1u,
                (ulong)(targetBytes?.Length ?? 0), rdev, now, now, now, parent);
            txn.PutAttributes(parent, directory with
            {
                LinkCount = directory.LinkCount + (type == InodeType.Directory ? 1u : 0u),
                MtimeNs = now,
                CtimeNs = now,
            });
            txn.PutAttributes(inode, attributes);
            txn.Put(_keys.DirectoryEntry(parent, name), DirectoryEntryCodec.Encode(type, inode));
            if (targetBytes is not null) txn.Put(_keys.Symlink(inode), targetBytes);
            txn.InodesDelta = 1;
            txn.UsedBytesDelta = SpaceOf(attributes);
            return new Entry(inode, attributes);
        }, ct);
    }

    public async Task UnlinkAsync(ulong parent, string name, CancellationToken ct)
    {
        Names.ValidateNew(name);
        var deleted = await RunAsync(async (txn, token) =>
        {
            var (directory, entry) = await LoadDirectoryEntryAsync(txn, parent, name, token);
            var (type, inode) = entry ?? throw MetaErrors.NoEntry(parent, name);
            if (type == InodeType.Directory) throw MetaErrors.IsDirectory(inode);
            var now = NowNs();
            txn.PutAttributes(parent, directory with { MtimeNs = now, CtimeNs = now });
            txn.Delete(_keys.DirectoryEntry(parent, name));
            var attributes = await txn.GetAttributesAsync(inode, token);
            return attributes is null ? 0UL : DropLink(txn, inode, attributes, now);
        }, ct);
        if (deleted != 0) await ProcessDeletedFileQuietlyAsync(deleted, ct);
    }

    public async Task RemoveDirectoryAsync(ulong parent, string name, CancellationToken ct)
    {
        if (name == ".") throw MetaErrors.Invalid("rmdir of '.'");
        if (name == "..") throw MetaErrors.NotEmpty(parent);
        Names.ValidateNew(name);
        var deleted = await RunAsync(async (txn, token) =>
        {
            var (directory, entry) = await LoadDirectoryEntryAsync(txn, parent, name, token);
            var (type, inode) = entry ?? throw MetaErrors.NoEntry(parent, name);
            if (type != InodeType.Directory) throw MetaErrors.NotDirectory(inode);
            var now = NowNs();
            txn.PutAttributes(parent, directory with { LinkCount = directory.LinkCount - 1, MtimeNs = now, CtimeNs = now });
            txn.Delete(_keys.DirectoryEntry(parent, name));
            if (await txn.GetAttributesAsync(inode, token) is not { } attributes) return 0UL;
            await RequireEmptyAsync(txn, inode, token);
            DeleteInode(txn, inode, attributes);
            return inode;
        }, ct);
        if (deleted != 0) await ProcessDeletedFileQuietlyAsync(deleted, ct);
    }

    /// <summary>
    /// ENOTEMPTY unless the directory has no entries. The range read is not compared, but every change to a
    /// directory's entries writes its attributes, which the caller read (and so compares).
    /// </summary>
    private async Task RequireEmptyAsync(MetaTransaction txn, ulong directory, CancellationToken ct)
    {
        var page = await txn.RangeAsync(_keys.DirectoryEntriesStart(directory), _keys.DirectoryEntriesEnd(directory), 1, ct);
        if (page.Entries.Count > 0) throw MetaErrors.NotEmpty(directory);
    }

    /// <summary>
    /// Drops one link of a non-directory in <paramref name="txn"/>. The last link deletes the inode — unless this
    /// session has it open: then it stays (nlink 0) under the session until the last release. Answers the inode if
    /// it was deleted (its chunks are then removed after the commit), else 0.
    /// </summary>
    private ulong DropLink(MetaTransaction txn, ulong inode, InodeAttributes attributes, long now)
    {
        var remaining = attributes with { LinkCount = Math.Max(1, attributes.LinkCount) - 1, CtimeNs = now };
        if (remaining.LinkCount > 0)
        {
            txn.PutAttributes(inode, remaining);
            return 0;
        }
        if (_opens.ContainsKey(inode) && SessionId != 0)
        {
            txn.PutAttributes(inode, remaining);
            txn.Put(_keys.Sustained(SessionId, inode), []);
            txn.AfterCommit(() => _sustained[inode] = 0);
            return 0;
        }
        DeleteInode(txn, inode, attributes);
        return inode;
    }
}
