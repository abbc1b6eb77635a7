using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ObjectStore.FileSystem.Data;
using ObjectStore.FileSystem.Meta;
using ObjectStore.FileSystem.Meta.Kv;

namespace ObjectStore.FileSystem.Tests.Data;

internal static class DataTestKit
{
    public const int MiB = 1 << 20;

    public static FileData NewFileData(IFileSystemMeta meta, ISliceStore store, Action<FileDataOptions>? configure = null)
    {
        var options = new FileDataOptions { Volume = "test", WriteBufferBytes = 32 * MiB, MemoryCacheBytes = 32 * MiB, RetryDelay = TimeSpan.Zero };
        configure?.Invoke(options);
        return new FileData(meta, store, Options.Create(options));
    }

    /// <summary>
    /// A namespace with one empty file: "list" is the test's own slice-list meta, "kv" fs-meta's real implementation
    /// on the in-memory engine (deleted slices offered at once).
    /// </summary>
    public static async Task<(IFileSystemMeta Meta, ulong Inode, InodeAttributes Attributes)> NewFileAsync(string kind)
    {
        if (kind == "list")
        {
            var list = new SliceListMeta();
            var attributes = list.NewFile();
            return (list, list.LastInode, attributes);
        }

        var options = new FileSystemMetaOptions { Volume = "data-test", InodeBatchSize = 50, SliceBatchSize = 50, DeletedSliceGracePeriod = TimeSpan.Zero };
        var meta = new KvMeta(new MemoryKv(TimeProvider.System), options, TimeProvider.System, NullLogger<KvMeta>.Instance);
        await meta.StartSessionAsync(CancellationToken.None);
        var entry = await meta.MakeNodeAsync(IFileSystemMeta.RootInode, "file", InodeType.File, 0x1A4, 0, 0, 0, CancellationToken.None);
        return (meta, entry.Inode, entry.Attributes);
    }

    /// <summary>Nothing queued for deletion, every stored block belongs to a slice the file references, and every referenced block is stored.</summary>
    public static async Task AssertNoLeaksAndNothingMissingAsync(IFileSystemMeta meta, ulong inode, MemorySliceStore store, uint chunks)
    {
        Assert.Empty(await meta.ListDeletedSlicesAsync(100_000, CancellationToken.None));
        var referenced = new List<Slice>();
        for (uint chunk = 0; chunk < chunks; chunk++)
        {
            referenced.AddRange((await meta.ReadChunkAsync(inode, chunk, CancellationToken.None)).Select(s => s.Slice).Where(s => s.Id != 0));
        }

        var ids = referenced.Select(s => s.Id).ToHashSet();
        var leaked = store.Keys.Where(k => !ids.Contains(k.SliceId)).ToList();
        Assert.True(leaked.Count == 0, $"objects of unreferenced slices left: {string.Join(", ", leaked.Take(10))}");
        foreach (var slice in referenced)
        {
            for (var block = 0; block < SliceObjects.BlockCount(slice.Size); block++)
            {
                Assert.True(store.Contains(slice.Id, block), $"block {block} of referenced slice {slice.Id} is missing");
            }
        }
    }

    public static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static async Task<byte[]> ReadAllAsync(FileHandle handle, long length, int bufferSize = 128 * 1024)
    {
        var result = new byte[length];
        for (long at = 0; at < length;)
        {
            var n = await handle.ReadAsync(at, result.AsMemory((int)at, (int)Math.Min(bufferSize, length - at)), CancellationToken.None);
            Assert.True(n > 0, $"read at {at} of {length} returned 0");
            at += n;
        }

        Assert.Equal(0, await handle.ReadAsync(length, new byte[16], CancellationToken.None));
        return result;
    }

    /// <summary>Bounded polling for background work (uploads, read-ahead) that finishes on its own schedule.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not happen within {seconds} s");
            }

            await Task.Delay(10);
        }
    }
}
