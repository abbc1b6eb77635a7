using ObjectStore.FileSystem.Meta;
using static ObjectStore.FileSystem.Tests.Meta.MetaTestSupport;

namespace ObjectStore.FileSystem.Tests.Meta;

public abstract partial class MetaContractTests
{
    private const uint Chunk = FileLayout.ChunkSize;

    [Fact]
    public async Task Written_slices_are_listed_in_order_and_extend_the_file()
    {
        var file = await Meta.CreateFile(Root, "f");
        var first = await Meta.WriteSlice(file.Inode, 0, 0, 1000);
        var second = await Meta.WriteSlice(file.Inode, 0, 500, 1000);
        var far = await Meta.WriteSlice(file.Inode, 3, 100, 10);
        Assert.Equal([new ChunkSlice(0, first), new ChunkSlice(500, second)], await Meta.ReadChunkAsync(file.Inode, 0, None));
        Assert.Equal([new ChunkSlice(100, far)], await Meta.ReadChunkAsync(file.Inode, 3, None));
        Assert.Empty(await Meta.ReadChunkAsync(file.Inode, 1, None));
        var attributes = await Meta.GetAttributesAsync(file.Inode, None);
        Assert.Equal(3UL * Chunk + 110, attributes.Length);
        Assert.Equal(1L, attributes.MtimeNs);

        await ThrowsErrno(Errno.EINVAL, () => Meta.WriteAsync(file.Inode, 0, Chunk - 10, new Slice(77, 20, 0, 20), 1, None));
        await ThrowsErrno(Errno.EINVAL, () => Meta.WriteAsync(file.Inode, 0, 0, new Slice(77, 20, 10, 20), 1, None));
        var dir = await Meta.Mkdir(Root, "d");
        await ThrowsErrno(Errno.EISDIR, () => Meta.WriteAsync(dir.Inode, 0, 0, new Slice(77, 20, 0, 20), 1, None));
        await ThrowsErrno(Errno.ENOENT, () => Meta.WriteAsync(123456, 0, 0, new Slice(77, 20, 0, 20), 1, None));
    }

    [Fact]
    public async Task Slice_ids_are_unique_across_clients_and_batches()
    {
        var other = await StartClientAsync();
        var ids = await Task.WhenAll(Enumerable.Range(0, 120).Select(i => (i % 2 == 0 ? Meta : other).NewSliceIdAsync(None)));
        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.DoesNotContain(0UL, ids);
        var inodes = await Task.WhenAll(Enumerable.Range(0, 120).Select(async i => (await (i % 2 == 0 ? Meta : other).CreateFile(Root, $"f{i}")).Inode));
        Assert.Equal(inodes.Length, inodes.Distinct().Count());
    }

    [Fact]
    public async Task An_overwrite_drops_the_covered_slices_into_the_deleted_queue_at_once()
    {
        var file = await Meta.CreateFile(Root, "f");
        var a = await Meta.WriteSlice(file.Inode, 0, 0, 100);
        var b = await Meta.WriteSlice(file.Inode, 0, 200, 100);
        var partial = await Meta.WriteSlice(file.Inode, 0, 50, 100);
        Assert.Empty(await Meta.DeletedSliceIds());
        var whole = await Meta.WriteSlice(file.Inode, 0, 0, 300);
        Assert.Equal([new ChunkSlice(0, whole)], await Meta.ReadChunkAsync(file.Inode, 0, None));
        Assert.Equal(new HashSet<ulong> { a.Id, b.Id, partial.Id }, await Meta.DeletedSliceIds());
    }

    [Fact]
    public async Task Truncate_cuts_slices_at_the_new_end_queues_what_is_gone_and_reads_zeros_when_grown_again()
    {
        var file = await Meta.CreateFile(Root, "f");
        var head = await Meta.WriteSlice(file.Inode, 0, 0, 1000);
        var tail = await Meta.WriteSlice(file.Inode, 0, 2000, 1000);
        var next = await Meta.WriteSlice(file.Inode, 1, 0, 1000);
        var further = await Meta.WriteSlice(file.Inode, 5, 0, 1000);

        var cut = await Meta.TruncateAsync(file.Inode, 500, None);
        Assert.Equal(500UL, cut.Length);
        Assert.Equal([new ChunkSlice(0, head with { Length = 500 })], await Meta.ReadChunkAsync(file.Inode, 0, None));
        Assert.Empty(await Meta.ReadChunkAsync(file.Inode, 1, None));
        Assert.Empty(await Meta.ReadChunkAsync(file.Inode, 5, None));
        Assert.Equal(new HashSet<ulong> { tail.Id, next.Id, further.Id }, await Meta.DeletedSliceIds());

        var grown = await Meta.TruncateAsync(file.Inode, 10UL * Chunk, None);
        Assert.Equal(10UL * Chunk, grown.Length);
        Assert.Equal([new ChunkSlice(0, head with { Length = 500 })], await Meta.ReadChunkAsync(file.Inode, 0, None));
        await Meta.TruncateAsync(file.Inode, 0, None);
        Assert.Empty(await Meta.ReadChunkAsync(file.Inode, 0, None));
        Assert.Contains(head.Id, await Meta.DeletedSliceIds());

        var dir = await Meta.Mkdir(Root, "d");
        await ThrowsErrno(Errno.EISDIR, () => Meta.TruncateAsync(dir.Inode, 0, None));
        await ThrowsErrno(Errno.EFBIG, () => Meta.TruncateAsync(file.Inode, ulong.MaxValue, None));
    }

    [Fact]
    public async Task Truncating_a_file_with_more_chunks_than_one_transaction_moves_them_all()
    {
        var file = await Meta.CreateFile(Root, "f");
        var slices = new List<ulong>();
        for (uint chunk = 0; chunk < 90; chunk++) slices.Add((await Meta.WriteSlice(file.Inode, chunk, 0, 10)).Id);
        await Meta.TruncateAsync(file.Inode, 5, None);
        Assert.Equal(slices.Skip(1).ToHashSet(), await Meta.DeletedSliceIds());
        for (uint chunk = 1; chunk < 90; chunk += 11) Assert.Empty(await Meta.ReadChunkAsync(file.Inode, chunk, None));
    }

    [Fact]
    public async Task Unlinking_a_file_queues_all_its_slices_and_removes_its_chunks_and_attributes()
    {
        var file = await Meta.CreateFile(Root, "f");
        await Meta.SetExtendedAttributeAsync(file.Inode, "user.k", "v"u8.ToArray(), XattrFlags.None, None);
        var ids = new HashSet<ulong>();
        for (var i = 0; i < 40; i++) ids.Add((await Meta.WriteSlice(file.Inode, (uint)(i % 3), (uint)i * 10, 5)).Id);
        await Meta.UnlinkAsync(Root, "f", None);
        Assert.Equal(ids, await Meta.DeletedSliceIds());
        Assert.Empty(await Meta.ReadChunkAsync(file.Inode, 0, None));
        await ThrowsErrno(Errno.ENOENT, () => Meta.ListExtendedAttributesAsync(file.Inode, None));
    }

    [Fact]
    public async Task A_compaction_replaces_the_prefix_it_read_and_fails_when_the_chunk_changed_under_it()
    {
        var file = await Meta.CreateFile(Root, "f");
        var a = await Meta.WriteSlice(file.Inode, 0, 0, 100);
        var b = await Meta.WriteSlice(file.Inode, 0, 50, 100);
        var read = await Meta.ReadChunkAsync(file.Inode, 0, None);
        var c = await Meta.WriteSlice(file.Inode, 0, 400, 10); // written after the compactor read: must survive
        var merged = new Slice(await Meta.NewSliceIdAsync(None), 150, 0, 150);

        Assert.True(await Meta.CompactChunkAsync(file.Inode, 0, read, merged, None));
        Assert.Equal([new ChunkSlice(0, merged), new ChunkSlice(400, c)], await Meta.ReadChunkAsync(file.Inode, 0, None));
        Assert.Equal(new HashSet<ulong> { a.Id, b.Id }, await Meta.DeletedSliceIds());

        var stale = new Slice(await Meta.NewSliceIdAsync(None), 150, 0, 150);
        Assert.False(await Meta.CompactChunkAsync(file.Inode, 0, read, stale, None));
        await ThrowsErrno(Errno.EINVAL, () => Meta.CompactChunkAsync(file.Inode, 0, read, stale with { Length = 10 }, None));
        Assert.Equal([new ChunkSlice(0, merged), new ChunkSlice(400, c)], await Meta.ReadChunkAsync(file.Inode, 0, None));
    }

    [Fact]
    public async Task Forgotten_deleted_slices_leave_the_queue()
    {
        var file = await Meta.CreateFile(Root, "f");
        await Meta.WriteSlice(file.Inode, 0, 0, 100);
        await Meta.WriteSlice(file.Inode, 1, 0, 100);
        await Meta.UnlinkAsync(Root, "f", None);
        var queued = await Meta.ListDeletedSlicesAsync(1, None);
        Assert.Single(queued);
        Assert.Equal(100u, queued[0].Size);
        await Meta.ForgetDeletedSlicesAsync(queued, None);
        var rest = await Meta.ListDeletedSlicesAsync(10, None);
        Assert.Single(rest);
        Assert.NotEqual(queued[0].Id, rest[0].Id);
    }
}
