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
        var createRevision = txn.CreateRevisionOf(_keys.Attributes(inode));
        if (createRevision == 0) return;
        if (_knownDirectories.Count >= MaxKnownDirectories) _knownDirectories.Clear();
        var known = new KnownDirectory(attributes, createRevision, _time.GetTimestamp());
        if (afterCommit) txn.AfterCommit(() => _knownDirectories[inode] = known);
        else _knownDirectories[inode] = known;
    }

    /// <summary>A directory read less than <see cref="FileSystemMetaOptions.DirectoryCacheTime"/> ago, if any.</summary>
    private KnownDirectory? RecentDirectory(ulong inode) =>
        _knownDirectories.TryGetValue(inode, out var known) && _time.GetElapsedTime(known.ReadAt) < _options.DirectoryCacheTime ? known : null;

    /// <summary>Forgets the directories whose attributes a commit of this client changed or deleted (creates put back what they wrote).</summary>
    private void ForgetWrittenDirectories(IReadOnlyList<KvWrite> writes)
    {
        if (_knownDirectories.IsEmpty) return;
        foreach (var write in writes)
        {
            if (_keys.AttributesInode(write.Key) is { } inode) _knownDirectories.TryRemove(inode, out _);
        }
    }

    /// <summary>A directory's attributes and the create revision of its record (which stays while the directory exists).</summary>
    private sealed record KnownDirectory(InodeAttributes Attributes, long CreateRevision, long ReadAt);
}
