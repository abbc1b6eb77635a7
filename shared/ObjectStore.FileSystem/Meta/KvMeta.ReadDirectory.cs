namespace ObjectStore.FileSystem.Meta;

public sealed partial class KvMeta
{
    private const int MaxDirectoryPage = 1000;

    /// <summary>
    /// One range read of the directory's entries (they sort by name), continuing after <paramref name="after"/>;
    /// readdirplus adds the attributes in one more round trip per 128 entries. A page is a consistent snapshot of
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
            if (plus && entries.Count > 0)
            {
                var attributes = await txn.GetManyAsync(entries.Select(e => _keys.Attributes(e.Inode)).ToArray(), token);
                var withAttributes = new List<DirectoryEntry>(entries.Count);
                for (var i = 0; i < entries.Count; i++)
                {
                    // An entry whose inode vanished between the two reads was removed meanwhile: leave it out.
                    if (attributes[i] is { } value) withAttributes.Add(entries[i] with { Attributes = AttributeCodec.Decode(value) });
                }
                entries = withAttributes;
            }
            return new DirectoryPage(entries, page.More);
        }, ct);
    }
}
