using System.Collections.Concurrent;

namespace ObjectStore.FileSystem.Meta;

// Files this client wrote a moment ago, with the revision their attributes record got: what follows a create or a
// write is usually more of the same client on the same file (tar: create, write, futimens, fchown, fchmod, close), and
// each of those commits against that revision instead of reading the record first. Nothing is trusted: should another
// client have changed the record meanwhile, the compare fails and the retry reads it.
public sealed partial class KvMeta
{
    private const int MaxKnownFiles = 10_000;

    private readonly ConcurrentDictionary<ulong, KnownFile> _knownFiles = new();

    /// <summary>
    /// Once <paramref name="txn"/> commits, remembers that it put these attributes for a regular file.
    /// <paramref name="withoutExtendedAttributes"/>: the file has none — it was created by this transaction, or by this
    /// client with every commit since compared against the attributes' revision it knew (adding an extended attribute
    /// rewrites the attributes, so none can have been added in between).
    /// </summary>
    private void RememberFile(MetaTransaction txn, ulong inode, InodeAttributes attributes, bool withoutExtendedAttributes)
    {
        if (attributes.Type != InodeType.File || _options.DirectoryCacheTime <= TimeSpan.Zero) return;
        txn.AfterCommit(() =>
        {
            if (_knownFiles.Count >= MaxKnownFiles) _knownFiles.Clear();
            var known = new KnownFile(attributes, txn.CommittedRevision, _time.GetTimestamp(), withoutExtendedAttributes);
            // Two commits of this client on one file may finish out of order: keep the later revision.
            _knownFiles.AddOrUpdate(inode, known, (_, current) => current.ModRevision > known.ModRevision ? current : known);
        });
    }

    /// <summary>A file whose attributes this client wrote less than <see cref="FileSystemMetaOptions.DirectoryCacheTime"/> ago, if any.</summary>
    private KnownFile? RecentFile(ulong inode) =>
        _knownFiles.TryGetValue(inode, out var known) && known.ModRevision > 0 && _time.GetElapsedTime(known.WrittenAt) < _options.DirectoryCacheTime ? known : null;

    /// <summary>
    /// True if this client created <paramref name="inode"/> less than <see cref="FileSystemMetaOptions.DirectoryCacheTime"/>
    /// ago and has seen no extended attribute added since: the kernel asks for security.capability before every write
    /// and chown, and this answers it without a round trip (as stale as a listing's answer may be, see ListedInodes).
    /// </summary>
    private bool CreatedWithoutExtendedAttributes(ulong inode) => RecentFile(inode) is { WithoutExtendedAttributes: true };

    /// <summary>A file's attributes as this client last wrote them, the revision of that write, and whether it has no extended attributes.</summary>
    private sealed record KnownFile(InodeAttributes Attributes, long ModRevision, long WrittenAt, bool WithoutExtendedAttributes);
}
