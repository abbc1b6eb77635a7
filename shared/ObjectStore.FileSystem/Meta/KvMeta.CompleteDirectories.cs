using System.Collections.Concurrent;
using ObjectStore.FileSystem.Meta.Kv;

namespace ObjectStore.FileSystem.Meta;

// Directories this client made, whose every name it knows, so that a lookup of a name it does not know answers ENOENT
// without a store read: the kernel looks each name up before it creates it, and in a directory being filled (tar -x,
// cp -r, a build's output) each of those lookups was an etcd read that found nothing. A made directory starts empty at
// the revision of its mkdir. This client's own commits keep its names current: a name is added before the commit that
// puts it (so a commit whose outcome is unknown leaves it "maybe there", which only costs a read) and removed after the
// commit that deletes it. Other clients' changes are caught up by one read of the names changed since the revision
// known (etcd's min_mod_revision) once that is older than AbsentNameCacheTime; names a listing shows are added too.
public sealed partial class KvMeta
{
    private const int MaxCompleteDirectories = 4096;
    private const int MaxNamesPerCompleteDirectory = 10_000;

    private readonly ConcurrentDictionary<ulong, CompleteDirectory> _completeDirectories = new();

    /// <summary>A directory this client has just made (committed at <paramref name="revision"/>): it has no names yet.</summary>
    private void RememberMadeDirectory(ulong inode, InodeAttributes attributes, long revision)
    {
        if (revision <= 0) return;
        var now = _time.GetTimestamp();
        if (_options.DirectoryCacheTime > TimeSpan.Zero)
        {
            // Its record was created by that commit: the first create in it commits without reading it.
            Know(inode, new KnownDirectory(attributes, revision, revision, now));
        }
        if (_options.AbsentNameCacheTime <= TimeSpan.Zero) return;
        if (_completeDirectories.Count >= MaxCompleteDirectories) _completeDirectories.Clear();
        _completeDirectories[inode] = new CompleteDirectory(revision, now);
    }

    /// <summary>
    /// True if <paramref name="name"/> is known not to be in <paramref name="parent"/>: a directory this client made,
    /// whose names it has caught up with less than <see cref="FileSystemMetaOptions.AbsentNameCacheTime"/> ago (doing so
    /// now if needed). False when it cannot tell: the caller reads.
    /// </summary>
    private async Task<bool> IsKnownAbsentAsync(ulong parent, string name, CancellationToken ct)
    {
        if (!_completeDirectories.TryGetValue(parent, out var directory)) return false;
        long revision;
        lock (directory.Gate)
        {
            if (_time.GetElapsedTime(directory.CheckedAt) < _options.AbsentNameCacheTime) return !directory.Names.Contains(name);
            revision = directory.Revision;
        }
        // Every change up to the revision this read sees was committed before it started.
        var started = _time.GetTimestamp();
        var changes = await _kv.ChangedSinceAsync(_keys.DirectoryEntriesStart(parent), _keys.DirectoryEntriesEnd(parent),
            revision, MaxNamesPerCompleteDirectory, ct);
        lock (directory.Gate)
        {
            foreach (var key in changes.Keys) directory.Names.Add(_keys.EntryName(key));
            if (!changes.More && directory.Names.Count <= MaxNamesPerCompleteDirectory)
            {
                if (changes.Revision > directory.Revision) (directory.Revision, directory.CheckedAt) = (changes.Revision, started);
                return !directory.Names.Contains(name);
            }
        }
        ForgetCompleteDirectory(parent, directory);
        return false;
    }

    /// <summary>Names a listing of <paramref name="parent"/> showed: a lookup of any of them must read.</summary>
    private void NoteNamesListed(ulong parent, IEnumerable<string> names)
    {
        if (!_completeDirectories.TryGetValue(parent, out var directory)) return;
        bool overflow;
        lock (directory.Gate)
        {
            foreach (var name in names) directory.Names.Add(name);
            overflow = directory.Names.Count > MaxNamesPerCompleteDirectory;
        }
        if (overflow) ForgetCompleteDirectory(parent, directory);
    }

    /// <summary>Before a commit: the names it puts into directories this client knows whole may be there from now on.</summary>
    private void NoteNamesPut(IReadOnlyList<KvWrite> writes)
    {
        if (_completeDirectories.IsEmpty) return;
        foreach (var write in writes)
        {
            if (!write.IsDelete && _keys.DirectoryEntryParts(write.Key) is { } entry) NoteNamesListed(entry.Parent, [entry.Name]);
        }
    }

    /// <summary>After a commit that landed: the names it deleted are gone, and so are the directories it removed.</summary>
    private void NoteNamesDeleted(IReadOnlyList<KvWrite> writes)
    {
        if (_completeDirectories.IsEmpty) return;
        foreach (var write in writes)
        {
            if (!write.IsDelete) continue;
            if (_keys.DirectoryEntryParts(write.Key) is { } entry && _completeDirectories.TryGetValue(entry.Parent, out var directory))
            {
                lock (directory.Gate) directory.Names.Remove(entry.Name);
            }
            else if (_keys.AttributesInode(write.Key) is { } inode)
            {
                _completeDirectories.TryRemove(inode, out _);
            }
        }
    }

    private void ForgetCompleteDirectory(ulong inode, CompleteDirectory directory) =>
        _completeDirectories.TryRemove(new KeyValuePair<ulong, CompleteDirectory>(inode, directory));

    /// <summary>Every name of the directory changed up to <see cref="Revision"/> is in <see cref="Names"/> (and maybe some gone since); known since <see cref="CheckedAt"/>.</summary>
    private sealed class CompleteDirectory(long revision, long checkedAt)
    {
        public Lock Gate { get; } = new();

        public HashSet<string> Names { get; } = new(StringComparer.Ordinal);

        public long Revision { get; set; } = revision;

        public long CheckedAt { get; set; } = checkedAt;
    }
}
