namespace ObjectStore.FileSystem.Meta;

public sealed partial class KvMeta
{
    private const int MaxDirectoryPage = 1000;

    /// <summary>
    /// One range read of the directory's entries (they sort by name), continuing after <paramref name="after"/>;
    /// readdirplus adds the attributes in one more round trip per 128 entries, and beside it how many extended attributes
    /// each entry has (remembered briefly: `ls -l`'s getxattr calls that follow need no read, see KvMeta.ListedInodes.cs). A page is a consistent snapshot of
    /// its own entries; pages of a directory changing meanwhile behave as readdir(3) allows (no entry twice, new ones
    /// may or may not appear).
    /// </summary>
    public Task<DirectoryPage> ReadDirectoryAsync(ulong inode, string? after, int limit, bool plus, CancellationToken ct)
    {
        if (limit <= 0) throw MetaErrors.Invalid($"a directory page holds at least one entry, {limit} asked");
        limit = Math.Min(limit, MaxDirectoryPage);
        return RunAsync(async (txn, token) =>
        {
            await txn.RequireDirectoryAsync(inode, token);
            var from = after is null ? _keys.DirectoryEntriesStart(inode) : _keys.DirectoryEntryAfter(inode, after);
            var page = await txn.RangeAsync(from, _keys.DirectoryEntriesEnd(inode), limit, token);
            var entries = new List<DirectoryEntry>(page.Entries.Count);
            foreach (var kv in page.Entries)
            {
                var (type, child) = DirectoryEntryCodec.Decode(kv.Value);
                entries.Add(new DirectoryEntry(_keys.EntryName(kv.Key), child, type, null));
            }
            NoteNamesListed(inode, entries.Select(e => e.Name));
            if (plus && entries.Count > 0)
            {
                // Attributes and extended-attribute counts of the whole page, 128 inodes per round trip each, both at once.
                var begun = BeginListing();
                List<long>? withCounts = null;
                try
                {
                    var attributesRead = txn.GetManyAsync(entries.Select(e => _keys.Attributes(e.Inode)).ToArray(), token);
                    var countsRead = _options.ListingCacheTime > TimeSpan.Zero
                        ? _kv.CountManyAsync(entries.Select(e => (_keys.ExtendedAttributesStart(e.Inode), _keys.ExtendedAttributesEnd(e.Inode))).ToArray(), token)
                        : null;
                    var attributes = await attributesRead;
                    var counts = countsRead is null ? null : await countsRead;
                    var withAttributes = new List<DirectoryEntry>(entries.Count);
                    var keptCounts = new List<long>(entries.Count);
                    for (var i = 0; i < entries.Count; i++)
                    {
                        // An entry whose inode vanished between the two reads was removed meanwhile: leave it out.
                        if (attributes[i] is not { } value) continue;
                        withAttributes.Add(entries[i] with { Attributes = AttributeCodec.Decode(value) });
                        keptCounts.Add(counts?[i] ?? 1);
                    }
                    entries = withAttributes;
                    if (counts is not null) withCounts = keptCounts;
                }
                finally
                {
                    EndListing(begun, entries, withCounts);
                }
            }
            return new DirectoryPage(entries, page.More);
        }, ct);
    }
}
