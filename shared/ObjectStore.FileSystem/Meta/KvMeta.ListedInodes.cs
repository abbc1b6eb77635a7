using System.Collections.Concurrent;
using ObjectStore.FileSystem.Meta.Kv;

namespace ObjectStore.FileSystem.Meta;

// What a readdirplus page found about each entry, so that the getxattr/listxattr calls `ls -l` makes for every entry
// (security.selinux, system.posix_acl_access) are answered without a store read when the inode has no extended
// attributes: without this each cost a round trip, and listing a directory cost a few milliseconds per entry.
public sealed partial class KvMeta
{
    private const int MaxListedInodes = 100_000;

    private readonly ConcurrentDictionary<ulong, ListedInode> _listedInodes = new();
    private int _listingsInFlight;
    private long _listedClears;

    /// <summary>Marks a listing's reads as begun: this client's writes meanwhile are remembered so that they win over what it read.</summary>
    private (long ReadAt, long Clears) BeginListing()
    {
        Interlocked.Increment(ref _listingsInFlight);
        return (_time.GetTimestamp(), Interlocked.Read(ref _listedClears));
    }

    /// <summary>
    /// Remembers the extended-attribute counts a listing begun at <paramref name="begun"/> read, except for inodes this
    /// client wrote since it began (their counts may predate the write).
    /// </summary>
    private void EndListing((long ReadAt, long Clears) begun, IReadOnlyList<DirectoryEntry> entries, IReadOnlyList<long>? extendedAttributeCounts)
    {
        try
        {
            if (extendedAttributeCounts is null || _options.ListingCacheTime <= TimeSpan.Zero) return;
            if (_listedInodes.Count + entries.Count > MaxListedInodes)
            {
                Interlocked.Increment(ref _listedClears);
                _listedInodes.Clear();
            }
            if (Interlocked.Read(ref _listedClears) != begun.Clears) return; // the marks of writes meanwhile are gone
            for (var i = 0; i < entries.Count; i++)
            {
                var listed = new ListedInode(extendedAttributeCounts[i] > 0, begun.ReadAt, Written: false);
                _listedInodes.AddOrUpdate(entries[i].Inode, listed, (_, known) => known.Written && known.At >= begun.ReadAt ? known : listed);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _listingsInFlight);
        }
    }

    /// <summary>
    /// True if a listing less than <see cref="FileSystemMetaOptions.ListingCacheTime"/> ago found no extended
    /// attribute on <paramref name="inode"/>, and this client has not written any key of it since.
    /// </summary>
    private bool ListedWithoutExtendedAttributes(ulong inode) =>
        _listedInodes.TryGetValue(inode, out var listed) && !listed.Written && !listed.HasExtendedAttributes
        && _time.GetElapsedTime(listed.At) < _options.ListingCacheTime;

    /// <summary>Marks the inodes any of whose keys a commit of this client wrote: what a listing read of them no longer counts.</summary>
    private void ForgetListedInodes(IReadOnlyList<KvWrite> writes)
    {
        if (_listedInodes.IsEmpty && Volatile.Read(ref _listingsInFlight) == 0) return;
        var now = _time.GetTimestamp();
        foreach (var write in writes)
        {
            if (_keys.InodeOf(write.Key) is { } inode) _listedInodes[inode] = new ListedInode(true, now, Written: true);
        }
    }

    /// <param name="At">When the listing began (<paramref name="Written"/>: when this client wrote the inode).</param>
    private sealed record ListedInode(bool HasExtendedAttributes, long At, bool Written);
}
