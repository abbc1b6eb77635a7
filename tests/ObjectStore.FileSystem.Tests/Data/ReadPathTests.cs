using System.Runtime.InteropServices;
using ObjectStore.FileSystem.Data;
using ObjectStore.FileSystem.Meta;
using static ObjectStore.FileSystem.Tests.Data.DataTestKit;

namespace ObjectStore.FileSystem.Tests.Data;

public sealed class ReadPathTests
{
    private static async Task<(SliceListMeta Meta, MemorySliceStore Store, ulong Inode, byte[] Content)> StoredFileAsync(int mib)
    {
        var meta = new SliceListMeta();
        var store = new MemorySliceStore();
        var content = Bytes(mib * MiB, mib);
        // The tests read the file as one slice. A write that outgrows the write buffer can be cut into two: a writer
        // that waits for memory while no upload is in flight has every buffered slice frozen and committed, and the
        // rest of its write starts a new one. The 40 MiB file against the kit's 32 MiB buffer did that now and then.
        await using var data = NewFileData(meta, store, o => o.WriteBufferBytes = (mib + 8L) * MiB);
        await using var handle = data.Open(meta.NewFile() is var a ? meta.LastInode : 0, a);
        await handle.WriteAsync(0, content, CancellationToken.None);
        await handle.FlushAsync(CancellationToken.None);
        return (meta, store, meta.LastInode, content);
    }

    [Fact]
    public async Task A_sequential_reader_gets_the_next_blocks_fetched_ahead()
    {
        var (meta, store, inode, content) = await StoredFileAsync(40);
        await using var data = NewFileData(meta, store, o => o.ReadAheadBytes = 16 * MiB);
        await using var handle = data.Open(inode, await meta.GetAttributesAsync(inode, CancellationToken.None));
        var buffer = new byte[128 * 1024];
        await handle.ReadAsync(0, buffer, CancellationToken.None);
        await handle.ReadAsync(buffer.Length, buffer, CancellationToken.None);

        // Read-ahead has fetched blocks beyond the one being read, without anybody reading them yet.
        await UntilAsync(() => data.Blocks.Contains(new BlockKey(SliceId(meta, inode), 2)), "block 2 fetched ahead");
        // Never more than the window (16 MiB: four blocks) past the block being read. How many of those have landed by
        // now, and whether block 0 came whole or as the first read's range, depends on scheduling.
        Assert.InRange(store.BlockReads, 1, 6);
        var before = store.BlockReads;
        var read = new byte[MiB];
        await handle.ReadAsync(2L * FileLayout.BlockSize, read, CancellationToken.None);
        Assert.Equal(content.AsSpan(2 * FileLayout.BlockSize, MiB).ToArray(), read);
        Assert.Equal(0, store.RangeReads);
        Assert.True(store.BlockReads >= before);
    }

    [Fact]
    public async Task Small_reads_at_random_places_fetch_only_their_range()
    {
        var (meta, store, inode, content) = await StoredFileAsync(20);
        await using var data = NewFileData(meta, store);
        await using var handle = data.Open(inode, await meta.GetAttributesAsync(inode, CancellationToken.None));
        var buffer = new byte[4096];
        foreach (var offset in new long[] { 15 * MiB + 3, 3 * MiB + 100, 11 * MiB, 7 * MiB + 5 })
        {
            Assert.Equal(4096, await handle.ReadAsync(offset, buffer, CancellationToken.None));
            Assert.Equal(content.AsSpan((int)offset, 4096).ToArray(), buffer);
        }

        Assert.Equal(4, store.RangeReads);
        Assert.Equal(0, store.BlockReads);
    }

    [Fact]
    public async Task The_memory_cache_stays_within_its_limit_and_evicts_the_least_recently_used_block()
    {
        var (meta, store, inode, content) = await StoredFileAsync(20);
        await using var data = NewFileData(meta, store, o => { o.MemoryCacheBytes = 8 * MiB; o.ReadAheadBytes = 0; });
        await using var handle = data.Open(inode, await meta.GetAttributesAsync(inode, CancellationToken.None));
        Assert.Equal(content, await ReadAllAsync(handle, content.Length, bufferSize: MiB));
        Assert.True(data.Blocks.CachedBytes <= 8 * MiB, $"{data.Blocks.CachedBytes} cached");
        Assert.Equal(5, store.BlockReads);

        var id = SliceId(meta, inode);
        Assert.True(data.Blocks.Contains(new BlockKey(id, 4)));
        Assert.True(data.Blocks.Contains(new BlockKey(id, 3)));
        Assert.False(data.Blocks.Contains(new BlockKey(id, 0)));
        var buffer = new byte[MiB];
        await handle.ReadAsync(4L * FileLayout.BlockSize, buffer, CancellationToken.None);
        Assert.Equal(5, store.BlockReads);
        await handle.ReadAsync(0, buffer, CancellationToken.None);
        Assert.Equal(6, store.BlockReads);
        Assert.Equal(content.AsSpan(0, MiB).ToArray(), buffer);
    }

    [Fact]
    public async Task The_disk_cache_serves_a_new_mount_and_checks_what_it_serves()
    {
        using var directory = new TempDirectory();
        var (meta, store, inode, content) = await StoredFileAsync(20);
        await using (var data = NewFileData(meta, store, o => { o.CacheDirectory = directory.Path; o.ReadAheadBytes = 0; }))
        await using (var handle = data.Open(inode, await meta.GetAttributesAsync(inode, CancellationToken.None)))
        {
            Assert.Equal(content, await ReadAllAsync(handle, content.Length, bufferSize: MiB));
            await UntilAsync(() => data.Disk!.WritesInFlight == 0, "disk cache writes");
        }

        Assert.Equal(5, store.BlockReads);
        var files = Directory.GetFiles(directory.Path, "*", SearchOption.AllDirectories).Order().ToList();
        Assert.Equal(5, files.Count);
        var bytes = File.ReadAllBytes(files[2]);
        bytes[12345] ^= 0x20;
        File.WriteAllBytes(files[2], bytes);

        await using (var data = NewFileData(meta, store, o => { o.CacheDirectory = directory.Path; o.ReadAheadBytes = 0; }))
        await using (var handle = data.Open(inode, await meta.GetAttributesAsync(inode, CancellationToken.None)))
        {
            Assert.Equal(5, data.Disk!.Count);
            Assert.Equal(content, await ReadAllAsync(handle, content.Length, bufferSize: MiB));
        }

        // Four blocks came from disk; the damaged one was noticed and read from the store again, and written back to the
        // disk cache before the mount let go of it.
        Assert.Equal(5 + 1, store.BlockReads);
        Assert.Equal(5, Directory.GetFiles(directory.Path, "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task The_disk_cache_keeps_its_size_limit()
    {
        using var directory = new TempDirectory();
        var (meta, store, inode, content) = await StoredFileAsync(20);
        const long limit = (3 * 4 * MiB) + 1000;
        await using var data = NewFileData(meta, store, o => { o.CacheDirectory = directory.Path; o.CacheBytes = limit; o.ReadAheadBytes = 0; });
        await using var handle = data.Open(inode, await meta.GetAttributesAsync(inode, CancellationToken.None));
        Assert.Equal(content, await ReadAllAsync(handle, content.Length, bufferSize: MiB));
        await UntilAsync(() => data.Disk!.WritesInFlight == 0, "disk cache writes");
        Assert.True(data.Disk!.StoredBytes <= limit, $"{data.Disk.StoredBytes} on disk");
        Assert.Equal(3, data.Disk.Count);
        Assert.Equal(3, Directory.GetFiles(directory.Path, "*", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public async Task A_read_inside_one_block_is_leased_from_the_cached_block_which_stays_intact_until_the_lease_is_disposed()
    {
        var (meta, store, inode, content) = await StoredFileAsync(16);
        await using var data = NewFileData(meta, store, o => { o.MemoryCacheBytes = 4 * MiB; o.ReadAheadBytes = 0; });
        await using var handle = data.Open(inode, await meta.GetAttributesAsync(inode, CancellationToken.None));
        var id = SliceId(meta, inode);
        var expected = content.AsSpan(MiB, MiB).ToArray();
        var lease = await handle.ReadLeasedAsync(MiB, MiB, CancellationToken.None);
        try
        {
            Assert.Equal(expected, lease.Data.ToArray());
            // Not a copy: the block's own buffer, at the read's place in the block (a pooled copy would start at 0).
            Assert.True(MemoryMarshal.TryGetArray(lease.Data, out var segment));
            Assert.Equal(MiB, segment.Offset);
            Assert.Equal(1, store.BlockReads);

            // The 4 MiB cache drops block 0 for each next block, and new blocks take pooled buffers; none may be block 0's
            // while the lease holds it.
            var other = new byte[MiB];
            for (var block = 1; block < 4; block++)
            {
                await handle.ReadAsync(block * 4L * MiB, other, CancellationToken.None);
            }

            Assert.False(data.Blocks.Contains(new BlockKey(id, 0)));
            Assert.Equal(expected, lease.Data.ToArray());
        }
        finally
        {
            lease.Dispose();
        }

        lease.Dispose(); // a second dispose must not release the block twice
        Assert.Equal(4, store.BlockReads);
    }

    [Fact]
    public async Task Reads_that_no_single_stored_block_holds_are_leased_as_copies_with_the_right_bytes()
    {
        var (meta, store, inode, content) = await StoredFileAsync(9);
        await using var data = NewFileData(meta, store, o => o.ReadAheadBytes = 0);
        await using var handle = data.Open(inode, await meta.GetAttributesAsync(inode, CancellationToken.None));

        // Across the border of blocks 0 and 1.
        using (var across = await handle.ReadLeasedAsync((4 * MiB) - 1000, 4096, CancellationToken.None))
        {
            Assert.Equal(content.AsSpan((4 * MiB) - 1000, 4096).ToArray(), across.Data.ToArray());
        }

        // Past the end: cut short, then nothing.
        using (var tail = await handle.ReadLeasedAsync(content.Length - 100, MiB, CancellationToken.None))
        {
            Assert.Equal(content.AsSpan(content.Length - 100).ToArray(), tail.Data.ToArray());
        }

        using (var none = await handle.ReadLeasedAsync(content.Length, MiB, CancellationToken.None))
        {
            Assert.True(none.Data.IsEmpty);
        }

        // Written but not flushed: from the write buffer, never from the stored block under it.
        var fresh = Bytes(MiB, 99);
        await handle.WriteAsync(2 * MiB, fresh, CancellationToken.None);
        using (var buffered = await handle.ReadLeasedAsync(2 * MiB, MiB, CancellationToken.None))
        {
            Assert.Equal(fresh, buffered.Data.ToArray());
        }

        // A small read at a random place fetches its range only, as ReadAsync does.
        var ranges = store.RangeReads;
        using (var small = await handle.ReadLeasedAsync((6 * MiB) + 12345, 4096, CancellationToken.None))
        {
            Assert.Equal(content.AsSpan((6 * MiB) + 12345, 4096).ToArray(), small.Data.ToArray());
        }

        Assert.Equal(ranges + 1, store.RangeReads);
    }

    private static ulong SliceId(SliceListMeta meta, ulong inode) => meta.Chunk(inode, 0).Single().Slice.Id;

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fs-data-test-" + Guid.NewGuid().ToString("N")[..8]);

        public void Dispose()
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
    }
}
