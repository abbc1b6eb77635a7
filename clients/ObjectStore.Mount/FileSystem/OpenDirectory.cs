using ObjectStore.FileSystem.Meta;

namespace ObjectStore.Mount.FileSystem;

/// <summary>
/// One opendir: the entries listed so far, in the order they were returned. Readdir offsets are positions in this
/// list ("." is 0, ".." is 1, the namespace's entries follow), so an offset the kernel hands back (seekdir, a full user
/// buffer) always means the same entry for as long as the handle lives, however the directory changes meanwhile;
/// offset 0 (rewinddir) starts a fresh listing.
/// </summary>
internal sealed class OpenDirectory(ulong inode, ulong parent)
{
    public ulong Inode { get; } = inode;

    public ulong Parent { get; } = parent;

    public SemaphoreSlim Lock { get; } = new(1, 1);

    public List<DirectoryEntry> Entries { get; } = [];

    /// <summary>When each entry of <see cref="Entries"/> was read (a <see cref="TimeProvider"/> timestamp): attributes older than the attribute timeout are read again before the kernel is given them.</summary>
    public List<long> ReadAt { get; } = [];

    /// <summary>The namespace has no entries after the last one in <see cref="Entries"/>.</summary>
    public bool Complete { get; set; }

    public void Restart() => TruncateAt(0);

    /// <summary>Forgets the entries from <paramref name="index"/> on: the listing continues after the one before.</summary>
    public void TruncateAt(int index)
    {
        Entries.RemoveRange(index, Entries.Count - index);
        ReadAt.RemoveRange(index, ReadAt.Count - index);
        Complete = false;
    }
}
