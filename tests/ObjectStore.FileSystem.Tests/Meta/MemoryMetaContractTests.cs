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

    [Fact]
    public async Task Filling_a_directory_this_client_made_reads_nothing_from_the_store()
    {
        var dir = await Meta.Mkdir(Root, "made");
        var before = _kv.ReadRoundTrips;

        // What the kernel asks for each file of `tar -x` or `cp -r`: the lookup of the new name, then the create.
        for (var i = 0; i < 20; i++)
        {
            await ThrowsErrno(Errno.ENOENT, () => Meta.LookupAsync(dir.Inode, $"f{i}", None));
            await Meta.CreateFile(dir.Inode, $"f{i}");
        }

        Assert.Equal(before, _kv.ReadRoundTrips);
        Assert.Equal(20, (await Meta.ListAll(dir.Inode)).Count);
    }

    [Fact]
    public async Task What_tar_does_to_a_file_it_just_created_reads_nothing_from_the_store()
    {
        var file = await Meta.CreateFile(Root, "extracted");
        var slice = new Slice(await Meta.NewSliceIdAsync(None), 4096, 0, 4096);
        var before = _kv.ReadRoundTrips;

        // write (the kernel asks for security.capability first), futimens, fchown (again), fchmod, then close: the
        // slice of what was written.
        await ThrowsErrno(Errno.ENODATA, () => Meta.GetExtendedAttributeAsync(file.Inode, "security.capability", None));
        await Meta.SetAttributesAsync(file.Inode, new SetAttributes { MtimeNs = 1_000_000_000 }, None);
        await ThrowsErrno(Errno.ENODATA, () => Meta.GetExtendedAttributeAsync(file.Inode, "security.capability", None));
        await Meta.SetAttributesAsync(file.Inode, new SetAttributes { Uid = 0, Gid = 0 }, None);
        await Meta.SetAttributesAsync(file.Inode, new SetAttributes { Mode = 0x1B4 /* 0664 */ }, None);
        await Meta.WriteAsync(file.Inode, 0, 0, slice, 1_000_000_000, None);

        Assert.Equal(before, _kv.ReadRoundTrips);
        var stored = await Meta.GetAttributesAsync(file.Inode, None);
        // What the kernel's getattr before a chown is answered with.
        Assert.Equal(stored, Meta.RecentAttributes(file.Inode));
        Assert.Equal((0x1B4u, 0u, 0u, 4096ul, 1_000_000_000L), (stored.Mode, stored.Uid, stored.Gid, stored.Length, stored.MtimeNs));
        Assert.Equal([new ChunkSlice(0, slice)], await Meta.ReadChunkAsync(file.Inode, 0, None));
    }
}
