using ObjectStore.FileSystem.Meta;
using ObjectStore.FileSystem.Meta.Kv;
using static ObjectStore.FileSystem.Tests.Meta.MetaTestSupport;

namespace ObjectStore.FileSystem.Tests.Meta;

/// <summary>The contract on the in-memory engine: fast unit tests of the namespace logic.</summary>
public sealed class MemoryMetaContractTests : MetaContractTests
{
    private readonly MemoryKv _kv = new(TimeProvider.System);

    protected override ITransactionalKv Kv => _kv;

    [Fact]
    public async Task Ls_l_of_a_directory_of_N_entries_costs_reads_per_page_not_per_entry()
    {
        const int entries = 1000;
        const int pageSize = 500;
        var dir = await Meta.Mkdir(Root, "many");
        foreach (var batch in Enumerable.Range(0, entries).Chunk(50))
            await Task.WhenAll(batch.Select(i => Meta.CreateFile(dir.Inode, $"f{i:D4}")));
        var before = _kv.ReadRoundTrips;

        var listed = await Meta.ListAll(dir.Inode, pageSize, plus: true);
        foreach (var entry in listed)
        {
            await ThrowsErrno(Errno.ENODATA, () => Meta.GetExtendedAttributeAsync(entry.Inode, "security.selinux", None));
            await ThrowsErrno(Errno.ENODATA, () => Meta.GetExtendedAttributeAsync(entry.Inode, "system.posix_acl_access", None));
        }

        Assert.Equal(entries, listed.Count);
        Assert.All(listed, e => Assert.NotNull(e.Attributes));
        // Per page: the directory's record, one range of entries, ceil(500/128) = 4 reads of attributes and 4 of counts.
        var pages = entries / pageSize;
        Assert.InRange(_kv.ReadRoundTrips - before, 1, pages * 10);
    }
}
