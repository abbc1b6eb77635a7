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
    /// parent must be a directory and is updated (mtime, ctime, and nlink for a subdirectory; times only when older than
    /// <see cref="FileSystemMetaOptions.DirectoryTimesResolution"/>). A create that leaves the parent's record alone
    /// compares only that the parent still exists, so concurrent creates in one directory commit independently (and
    /// group: <see cref="GroupCommitter"/>). The set-group-id inheritance is then decided from the parent as read: a
    /// chmod of the parent racing the create is ordered after it. In a set-group-id
    /// directory the new inode takes the directory's group, and a new directory keeps the bit (as Linux does).
    /// </summary>
    private async Task<Entry> CreateAsync(ulong parent, string name, InodeType type, uint mode, uint uid, uint gid, uint rdev, string? target, CancellationToken ct)
    {
        Names.ValidateNew(name);
        var inode = await NewInodeAsync(ct);
        // Only a subdirectory always rewrites the parent (its link count); files need no local serialisation.
        using var held = type == InodeType.Directory ? await _locks.AcquireAsync(parent, ct) : default(InodeLocks.Held?);
        var attempts = 0;
        return await RunAsync(async (txn, token) =>
        {
            var now = NowNs();
            InodeAttributes directory;
            if (++attempts == 1 && type != InodeType.Directory && RecentDirectory(parent) is { } known
                && (known.ModRevision != 0 || !DirectoryTimesStale(known.Attributes, now)))
            {
                // Read a moment ago (the kernel's lookup of this name): no read now; the commit requires the name free and
                // the directory the same incarnation — or, to write its times, the same revision. Should that fail, the
                // next attempt reads (and answers EEXIST or ENOENT).
                directory = known.Attributes;
                txn.RequireIncarnation(_keys.DirectoryEntry(parent, name), 0);
                txn.RequireIncarnation(_keys.Attributes(parent), known.CreateRevision);
                if (DirectoryTimesStale(directory, now)) txn.RequireUnchanged(_keys.Attributes(parent), known.ModRevision);
            }
            else
            {
                (directory, var existing) = await LoadDirectoryEntryAsync(txn, parent, name, token);
                if (existing is not null) throw MetaErrors.Exists(parent, name);
            }
            var permissions = mode & 0xFFF;
            if ((directory.Mode & SetGid) != 0)
            {
                gid = directory.Gid;
                if (type == InodeType.Directory) permissions |= SetGid;
            }
            var targetBytes = target is null ? null : Encoding.UTF8.GetBytes(target);
            var attributes = new InodeAttributes(type, permissions, uid, gid, type == InodeType.Directory ? 2u : 1u,
                (ulong)(targetBytes?.Length ?? 0), rdev, now, now, now, parent);
            if (type == InodeType.Directory || DirectoryTimesStale(directory, now))
            {
                var touched = directory with
                {
                    LinkCount = directory.LinkCount + (type == InodeType.Directory ? 1u : 0u),
                    MtimeNs = now,
                    CtimeNs = now,
                };
                txn.PutAttributes(parent, touched);
                RememberDirectory(txn, parent, touched);
            }
            else
                // The directory is not written: the create needs it only to exist (its type never changes), so creates
                // into one directory do not fail each other's compares when one of them (or a chmod) rewrites its record.
                txn.DependOnlyOnExistence(_keys.Attributes(parent));
            txn.PutAttributes(inode, attributes);
            if (type == InodeType.Directory) txn.AfterCommit(() => RememberMadeDirectory(inode, attributes, txn.CommittedRevision));
            else RememberFile(txn, inode, attributes, withoutExtendedAttributes: true);
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
        // Deleting a small file writes the directory's record (the transaction's witness): serialise this client's
        // unlinks in one directory so that they do not keep failing each other's compares.
        var deleted = 0UL;
        using (await _locks.AcquireAsync(parent, ct))
            deleted = await RunAsync(async (txn, token) =>
        {
            var (directory, entry) = await LoadDirectoryEntryAsync(txn, parent, name, token);
            var (type, inode) = entry ?? throw MetaErrors.NoEntry(parent, name);
            if (type == InodeType.Directory) throw MetaErrors.IsDirectory(inode);
            var now = NowNs();
            txn.Delete(_keys.DirectoryEntry(parent, name));
            var attributes = await txn.GetAttributesAsync(inode, token);
            var deleted = attributes is null ? 0UL : await DropLinkAsync(txn, inode, attributes, now, token);
            // The directory's record is also this transaction's witness when it puts nothing else (a small file deleted whole).
            if (DirectoryTimesStale(directory, now) || !txn.HasPuts) txn.PutAttributes(parent, directory with { MtimeNs = now, CtimeNs = now });
            return deleted;
        }, ct);
        if (deleted != 0) await ProcessDeletedFileQuietlyAsync(deleted, ct);
    }

    public async Task RemoveDirectoryAsync(ulong parent, string name, CancellationToken ct)
    {
        if (name == ".") throw MetaErrors.Invalid("rmdir of '.'");
        if (name == "..") throw MetaErrors.NotEmpty(parent);
        Names.ValidateNew(name);
        var deleted = 0UL;
        using (await _locks.AcquireAsync(parent, ct))
            deleted = await RunAsync(async (txn, token) =>
        {
            var (directory, entry) = await LoadDirectoryEntryAsync(txn, parent, name, token);
            var (type, inode) = entry ?? throw MetaErrors.NoEntry(parent, name);
            if (type != InodeType.Directory) throw MetaErrors.NotDirectory(inode);
            var now = NowNs();
            txn.PutAttributes(parent, directory with { LinkCount = directory.LinkCount - 1, MtimeNs = now, CtimeNs = now });
            txn.Delete(_keys.DirectoryEntry(parent, name));
            if (await txn.GetAttributesAsync(inode, token) is not { } attributes) return 0UL;
            await RequireEmptyAsync(txn, inode, token);
            return await DeleteInodeAsync(txn, inode, attributes, token) ? inode : 0UL;
        }, ct);
        if (deleted != 0) await ProcessDeletedFileQuietlyAsync(deleted, ct);
    }

    /// <summary>ENOTEMPTY unless the directory has no entries; the commit then also requires the entry range to be still empty.</summary>
    private async Task RequireEmptyAsync(MetaTransaction txn, ulong directory, CancellationToken ct)
    {
        var (from, to) = (_keys.DirectoryEntriesStart(directory), _keys.DirectoryEntriesEnd(directory));
        var page = await txn.RangeAsync(from, to, 1, ct);
        if (page.Entries.Count > 0) throw MetaErrors.NotEmpty(directory);
        txn.RequireRangeEmpty(from, to);
    }

    /// <summary>
    /// Drops one link of a non-directory in <paramref name="txn"/>. The last link deletes the inode — unless this
    /// session has it open: then it stays (nlink 0) under the session until the last release. Answers the inode if
    /// its chunks and other keys are still to be removed after the commit, else 0.
    /// </summary>
    private async Task<ulong> DropLinkAsync(MetaTransaction txn, ulong inode, InodeAttributes attributes, long now, CancellationToken ct)
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
        return await DeleteInodeAsync(txn, inode, attributes, ct) ? inode : 0UL;
    }
}
