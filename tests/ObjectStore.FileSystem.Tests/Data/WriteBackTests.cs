using ObjectStore.FileSystem.Meta;
using static ObjectStore.FileSystem.Tests.Data.DataTestKit;

namespace ObjectStore.FileSystem.Tests.Data;

public sealed class WriteBackTests
{
    [Fact]
    public async Task Writers_wait_for_uploads_when_the_buffer_budget_is_used_up()
    {
        var meta = new SliceListMeta();
        var store = new MemorySliceStore();
        await using var data = NewFileData(meta, store, o => { o.WriteBufferBytes = 16 * MiB; o.UploadConcurrency = 2; });
        var attributes = meta.NewFile();
        await using var handle = data.Open(meta.LastInode, attributes);
        var content = Bytes(48 * MiB, 7);

        store.HoldUploads();
        var writing = Task.Run(async () =>
        {
            for (var at = 0; at < content.Length; at += 128 * 1024)
            {
                await handle.WriteAsync(at, content.AsMemory(at, 128 * 1024), CancellationToken.None);
            }
        });

        // With no upload able to finish, 48 MiB cannot fit into 16 MiB: the writer must be stuck, not growing.
        await UntilAsync(() => data.BufferedBytes > 12 * MiB && store.PutsWaiting == 2, "buffer filling up");
        Assert.False(writing.IsCompleted);
        Assert.True(data.PeakBufferedBytes <= 16 * MiB, $"peak {data.PeakBufferedBytes}");

        store.OpenUploads();
        await writing;
        await handle.FlushAsync(CancellationToken.None);
        Assert.True(data.PeakBufferedBytes <= 16 * MiB, $"peak {data.PeakBufferedBytes}");
        Assert.Equal(0, data.BufferedBytes);
        Assert.Equal(content, await ReadAllAsync(handle, content.Length));
        Assert.Equal(12, store.Puts);
    }

    [Fact]
    public async Task Full_blocks_upload_while_writing_goes_on_and_flush_commits_one_slice_per_chunk()
    {
        var meta = new SliceListMeta();
        var store = new MemorySliceStore();
        await using var data = NewFileData(meta, store, o => o.WriteBufferBytes = 64 * MiB);
        await using var handle = data.Open(meta.NewFile() is var a ? meta.LastInode : 0, a);
        var content = Bytes(70 * MiB, 8);
        for (var at = 0; at < content.Length; at += MiB)
        {
            await handle.WriteAsync(at, content.AsMemory(at, MiB), CancellationToken.None);
        }

        // The first chunk is complete: it uploads and commits on its own, before any flush.
        await UntilAsync(() => meta.Writes == 1, "the full chunk's commit");
        Assert.Equal(70L * MiB, handle.Length);
        await handle.FlushAsync(CancellationToken.None);
        Assert.Equal(2, meta.Writes);
        Assert.Single(meta.Chunk(meta.LastInode, 0));
        Assert.Single(meta.Chunk(meta.LastInode, 1));
        Assert.Equal(18, store.Puts);
        Assert.Equal((ulong)content.Length, (await meta.GetAttributesAsync(meta.LastInode, CancellationToken.None)).Length);
    }

    [Fact]
    public async Task An_unreachable_store_fails_the_flush_with_EIO_and_the_next_flush_stores_everything()
    {
        var meta = new SliceListMeta();
        var store = new MemorySliceStore { Unavailable = true };
        await using var data = NewFileData(meta, store);
        var attributes = meta.NewFile();
        var inode = meta.LastInode;
        await using var handle = data.Open(inode, attributes);
        var content = Bytes(9 * MiB, 9);
        await handle.WriteAsync(0, content, CancellationToken.None);

        var error = await Assert.ThrowsAsync<FileSystemException>(() => handle.FlushAsync(CancellationToken.None));
        Assert.Equal(Errno.EIO, error.Errno);
        Assert.Empty(meta.Chunk(inode, 0));
        Assert.Equal(content, await ReadAllAsync(handle, content.Length));

        store.Unavailable = false;
        await handle.FlushAsync(CancellationToken.None);
        await using var otherMount = NewFileData(meta, store);
        await using var other = otherMount.Open(inode, await meta.GetAttributesAsync(inode, CancellationToken.None));
        Assert.Equal(content, await ReadAllAsync(other, content.Length));
    }

    [Fact]
    public async Task A_slice_the_namespace_refuses_is_reported_and_its_objects_deleted()
    {
        var meta = new SliceListMeta();
        var store = new MemorySliceStore();
        await using var data = NewFileData(meta, store);
        var attributes = meta.NewFile();
        await using var handle = data.Open(meta.LastInode, attributes);
        await handle.WriteAsync(0, Bytes(5 * MiB, 10), CancellationToken.None);
        meta.FailNextWrite = new FileSystemException(Errno.ENOSPC, "quota (test)");

        var error = await Assert.ThrowsAsync<FileSystemException>(() => handle.FlushAsync(CancellationToken.None));
        Assert.Equal(Errno.ENOSPC, error.Errno);
        Assert.Equal(2, store.Puts);
        Assert.Empty(store.Keys);
        Assert.Empty(meta.Chunk(meta.LastInode, 0));

        // Reported once; the file works on.
        await handle.WriteAsync(0, Bytes(100, 11), CancellationToken.None);
        await handle.FlushAsync(CancellationToken.None);
        Assert.Single(meta.Chunk(meta.LastInode, 0));
    }

    [Fact]
    public async Task A_handle_reads_what_another_handle_of_the_mount_buffered_and_length_counts_it()
    {
        var meta = new SliceListMeta();
        var store = new MemorySliceStore();
        await using var data = NewFileData(meta, store);
        var attributes = meta.NewFile();
        var inode = meta.LastInode;
        await using var writer = data.Open(inode, attributes);
        await using var reader = data.Open(inode, attributes);
        var content = Bytes(300_000, 12);
        await writer.WriteAsync(1_000_000, content, CancellationToken.None);

        Assert.Equal(1_300_000, reader.Length);
        Assert.True(data.TryGetLength(inode, out var length));
        Assert.Equal(1_300_000UL, length);
        var read = await ReadAllAsync(reader, 1_300_000);
        Assert.All(read[..1_000_000], b => Assert.Equal(0, b));
        Assert.Equal(content, read[1_000_000..]);
        Assert.Equal(0, store.Puts);
        Assert.Equal(0, meta.Writes);
    }

    [Fact]
    public async Task Truncate_flushes_buffered_writes_first_so_nothing_reappears_past_the_new_end()
    {
        var meta = new SliceListMeta();
        var store = new MemorySliceStore();
        await using var data = NewFileData(meta, store);
        var attributes = meta.NewFile();
        var inode = meta.LastInode;
        await using var handle = data.Open(inode, attributes);
        await handle.WriteAsync(0, Bytes(2 * MiB, 13), CancellationToken.None);
        await handle.TruncateAsync(1000, CancellationToken.None);
        await handle.TruncateAsync(3 * MiB, CancellationToken.None);

        var read = await ReadAllAsync(handle, 3 * MiB);
        Assert.Equal(Bytes(2 * MiB, 13)[..1000], read[..1000]);
        Assert.All(read[1000..], b => Assert.Equal(0, b));
    }
}
