using System.Collections.Concurrent;
using ObjectStore.FileSystem.Meta.Kv;

namespace ObjectStore.FileSystem.Meta;

// Directories this client read a moment ago, so that a create right after the kernel's lookup of the name commits
// without reading the directory again: the lookup has just read it.
public sealed partial class KvMeta
{
    private const int MaxKnownDirectories = 10_000;

    private readonly ConcurrentDictionary<ulong, KnownDirectory> _knownDirectories = new();

    /// <summary>
    /// Remembers a directory as read (or written) by <paramref name="txn"/>, whose attributes key it must have read: once
    /// it commits, so that an attempt that lost a race leaves nothing; at once for a body that only reads.
    /// </summary>
    private void RememberDirectory(MetaTransaction txn, ulong inode, InodeAttributes attributes, bool afterCommit = true)
    {
        if (attributes.Type != InodeType.Directory || _options.DirectoryCacheTime <= TimeSpan.Zero) return;
        var key = _keys.Attributes(inode);
        var createRevision = txn.CreateRevisionOf(key);
        if (createRevision == 0) return;
        var written = txn.Writes.Any(w => w.Key.AsSpan().SequenceEqual(key));
        if (!afterCommit)
        {
            Know(inode, new KnownDirectory(attributes, createRevision, txn.ModRevisionOf(key), _time.GetTimestamp()));
            return;
        }
        // Written by this transaction: its record now has the commit's revision.
        txn.AfterCommit(() => Know(inode, new KnownDirectory(attributes, createRevision,
            written ? txn.CommittedRevision : txn.ModRevisionOf(key), _time.GetTimestamp())));
    }

    /// <summary>Remembers a directory, bounded: past <see cref="MaxKnownDirectories"/> all are forgotten first.</summary>
    private void Know(ulong inode, KnownDirectory known)
    {
        if (_knownDirectories.Count >= MaxKnownDirectories) _knownDirectories.Clear();
        _knownDirectories[inode] = known;
    }

    /// <summary>
    /// A directory's attributes as this client read or wrote them, or a file's as it wrote them, less than
    /// <see cref="FileSystemMetaOptions.DirectoryCacheTime"/> ago, if it did: the kernel asks for a directory's again after
    /// every create in it, and for a file's before every chown (to clear set-user-id), and this client knows them.
    /// </summary>
    public InodeAttributes? RecentAttributes(ulong inode) => RecentDirectory(inode)?.Attributes ?? RecentFile(inode)?.Attributes;

    /// <summary>A directory read less than <see cref="FileSystemMetaOptions.DirectoryCacheTime"/> ago, if any.</summary>
    private KnownDirectory? RecentDirectory(ulong inode) =>
        _knownDirectories.TryGetValue(inode, out var known) && _time.GetElapsedTime(known.ReadAt) < _options.DirectoryCacheTime ? known : null;

    /// <summary>
    /// Forgets the directories and files whose attributes a commit of this client changed or deleted (the commits that
    /// know what they wrote put it back: creates, and see KnownFiles).
    /// </summary>
    private void ForgetWrittenInodes(IReadOnlyList<KvWrite> writes)
    {
        if (_knownDirectories.IsEmpty && _knownFiles.IsEmpty) return;
        foreach (var write in writes)
        {
            if (_keys.AttributesInode(write.Key) is { } inode)
            {
                _knownDirectories.TryRemove(inode, out _);
                _knownFiles.TryRemove(inode, out _);
            }
        }
    }

    /// <summary>A directory's attributes, the create revision of its record (which stays while the directory exists) and the revision that last changed it (0: unknown).</summary>
    private sealed record KnownDirectory(InodeAttributes Attributes, long CreateRevision, long ModRevision, long ReadAt);
}
