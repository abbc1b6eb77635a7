using ObjectStore.FileSystem.Meta;
using static ObjectStore.FileSystem.Tests.Data.DataTestKit;

namespace ObjectStore.FileSystem.Tests.Data;

public sealed class CompactionAndCollectionTests
{
    /// <summary>A chunk made of many overlapping slices, one flush each, like an editor saving in place.</summary>
    private static async Task<(SliceListMeta Meta, MemorySliceStore Store, ulong Inode, byte[] Model)> FragmentedFileAsync(int slices, Action<ObjectStore.FileSystem.Data.FileDataOptions>? configure = null)
    {
        var meta = new SliceListMeta();
        var store = new MemorySliceStore();
        var model = new byte[6 * MiB];
        var random = new Random(slices);
        await using var data = NewFileData(meta, store, configure ?? (o => o.CompactSliceThreshold = 1000));
        await using var handle = data.Open(meta.NewFile() is var a ? meta.LastInode : 0, a);
        for (var i = 0; i < slices; i++)
        {
            var offset = i == 0 ? 0 : random.Next(0, model.Length - 1);
            var bytes = Bytes(i == 0 ? model.Length : random.Next(1, Math.Min(700_000, model.Length - offset)), i);
            bytes.CopyTo(model, offset);
            await handle.WriteAsync(offset, bytes, CancellationToken.None);
            await handle.FlushAsync(CancellationToken.None);
        }

        return (meta, store, meta.LastInode, model);
    }

    [Fact]
    public async Task Compaction_merges_a_chunk_into_one_slice_with_the_same_content_and_the_collector_deletes_the_old_ones()
    {
        var (meta, store, inode, model) = await FragmentedFileAsync(40);
        Assert.Equal(40, meta.Chunk(inode, 0).Count);
        await using var data = NewFileData(meta, store);

        Assert.True(await data.CompactChunkAsync(inode, 0, CancellationToken.None));
        var merged = Assert.Single(meta.Chunk(inode, 0));
        Assert.Equal(new ChunkSlice(0, new Slice(merged.Slice.Id, (uint)model.Length, 0, (uint)model.Length)), merged);
        Assert.Equal(40, meta.DeletedQueue().Count);

        Assert.Equal(40, await data.CollectDeletedSlicesAsync(CancellationToken.None));
        Assert.Equal([(merged.Slice.Id, 0), (merged.Slice.Id, 1)], store.Keys.Order().ToList());
        await AssertNoLeaksAndNothingMissingAsync(meta, inode, store, chunks: 2);

        await using var handle = data.Open(inode, await meta.GetAttributesAsync(inode, CancellationToken.None));
        Assert.Equal(model, await ReadAllAsync(handle, model.Length));
    }

    [Fact]
    public async Task A_chunk_with_too_many_slices_is_compacted_in_the_background()
    {
        var (meta, store, inode, model) = await FragmentedFileAsync(40, o => o.CompactSliceThreshold = 1000);
        await using var data = NewFileData(meta, store, o => o.CompactSliceThreshold = 32);
        await using var handle = data.Open(inode, await meta.GetAttributesAsync(inode, CancellationToken.None));
        var buffer = new byte[100];
        await handle.ReadAsync(0, buffer, CancellationToken.None);

        await UntilAsync(() => meta.Chunk(inode, 0).Count == 1, "background compaction");
        await data.CollectDeletedSlicesAsync(CancellationToken.None);
        await AssertNoLeaksAndNothingMissingAsync(meta, inode, store, chunks: 2);
        Assert.Equal(model, await ReadAllAsync(handle, model.Length));
    }

    [Fact]
    public async Task A_compaction_that_loses_the_race_deletes_its_new_objects_and_changes_nothing()
    {
        var (meta, store, inode, model) = await FragmentedFileAsync(10);
        var before = meta.Chunk(inode, 0);
        var keys = store.Keys.Order().ToList();
        meta.RefuseCompaction = true;
        await using var data = NewFileData(meta, store);

        Assert.False(await data.CompactChunkAsync(inode, 0, CancellationToken.None));
        Assert.Equal(before, meta.Chunk(inode, 0));
        Assert.Equal(keys, store.Keys.Order().ToList());
        Assert.True(store.Puts > keys.Count);
        Assert.Empty(meta.DeletedQueue());
    }

    [Fact]
    public async Task The_collector_deletes_exactly_the_unreferenced_slices_and_retries_what_the_store_refused()
    {
        var meta = new SliceListMeta();
        var store = new MemorySliceStore();
        await using var data = NewFileData(meta, store);
        var attributes = meta.NewFile();
        var inode = meta.LastInode;
        await using (var handle = data.Open(inode, attributes))
        {
            await handle.WriteAsync(0, Bytes(70 * MiB, 1), CancellationToken.None);
            await handle.FlushAsync(CancellationToken.None);
            await handle.WriteAsync(100, Bytes(1000, 2), CancellationToken.None);
            await handle.FlushAsync(CancellationToken.None);
            await handle.TruncateAsync(10 * MiB, CancellationToken.None);
        }

        // Chunk 1 went with the truncate; chunk 0's slices are all still referenced (the hole covers their tail).
        Assert.Single(meta.DeletedQueue());
        var gone = meta.DeletedQueue()[0].Id;
        store.Unavailable = true;
        Assert.Equal(0, await data.CollectDeletedSlicesAsync(CancellationToken.None));
        Assert.Single(meta.DeletedQueue());

        store.Unavailable = false;
        Assert.Equal(1, await data.CollectDeletedSlicesAsync(CancellationToken.None));
        Assert.DoesNotContain(store.Keys, k => k.SliceId == gone);
        var referenced = meta.Referenced();
        Assert.Equal(2, referenced.Count);
        Assert.All(referenced, id => Assert.True(store.Contains(id, 0)));
        await AssertNoLeaksAndNothingMissingAsync(meta, inode, store, chunks: 2);
    }
}
