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

    /// <summary>The namespace has no entries after the last one in <see cref="Entries"/>.</summary>
    public bool Complete { get; set; }

    public void Restart()
    {
        Entries.Clear();
        Complete = false;
    }
}
