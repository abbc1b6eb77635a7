using ObjectStore.FileSystem.Data;
using ObjectStore.FileSystem.Meta;
using static ObjectStore.FileSystem.Tests.Data.DataTestKit;

namespace ObjectStore.FileSystem.Tests.Data;

/// <summary>
/// Seeded random sequences of writes, overwrites, appends, truncates (down and up), flushes, reopens, compactions and
/// collections, checked byte for byte against a plain byte array after every step, through the writing handle, a
/// second handle of the same mount and (after flushes) a second mount.
/// </summary>
public sealed class FileDataModelTests
{
    private static readonly long[] Anchors =
    [
        0, 1, FileLayout.BlockSize - 1, FileLayout.BlockSize, 2L * FileLayout.BlockSize + 17, FileLayout.ChunkSize - FileLayout.BlockSize,
        FileLayout.ChunkSize - 3, FileLayout.ChunkSize, FileLayout.ChunkSize + FileLayout.BlockSize + 5,
    ];

    [Theory]
    [InlineData(1, "list")]
    [InlineData(2, "list")]
    [InlineData(3, "list")]
    [InlineData(4, "kv")]
    [InlineData(5, "kv")]
    public async Task Random_operations_read_back_like_a_byte_array(int seed, string metaKind)
    {
        var (meta, inode, attributes) = await NewFileAsync(metaKind);
        await using var disposeMeta = meta;
        var store = new MemorySliceStore();
        await using var data = NewFileData(meta, store, o =>
        {
            o.WriteBufferBytes = 12 * MiB;
            o.MemoryCacheBytes = 8 * MiB;
            o.CompactSliceThreshold = 6;
        });
        var model = new FileModel();
        var writer = data.Open(inode, attributes);
        var reader = data.Open(inode, attributes);
        var random = new Random(seed);
        var flushedSinceWrite = true;

        for (var step = 0; step < 160; step++)
        {
            var op = random.Next(100);
            string what;
            if (op < 55)
            {
                var offset = op < 45 ? Offset(random, model) : model.Length;
                var length = random.Next(10) == 0 ? random.Next(1, 3 * MiB) : random.Next(1, 192 * 1024);
                var bytes = Bytes(length, random.Next());
                await writer.WriteAsync(offset, bytes, CancellationToken.None);
                model.Write(offset, bytes);
                flushedSinceWrite = false;
                what = $"write {length} at {offset}";
            }
            else if (op < 65)
            {
                var length = random.Next(3) == 0 ? model.Length + random.Next(0, 2 * MiB) : (long)(model.Length * random.NextDouble());
                var attributesAfter = await writer.TruncateAsync(length, CancellationToken.None);
                Assert.Equal((ulong)length, attributesAfter.Length);
                model.Truncate(length);
                what = $"truncate to {length}";
            }
            else if (op < 75)
            {
                await writer.FlushAsync(CancellationToken.None);
                flushedSinceWrite = true;
                what = "flush";
            }
            else if (op < 80)
            {
                await writer.DisposeAsync();
                writer = data.Open(inode, await meta.GetAttributesAsync(inode, CancellationToken.None));
                flushedSinceWrite = true;
                what = "reopen";
            }
            else if (op < 85)
            {
                await data.CompactChunkAsync(inode, (uint)random.Next(2), CancellationToken.None);
                what = "compact";
            }
            else if (op < 90)
            {
                await data.CollectDeletedSlicesAsync(CancellationToken.None);
                what = "collect";
            }
            else
            {
                what = "read";
            }

            Assert.Equal(model.Length, writer.Length);
            Assert.Equal(model.Length, reader.Length);
            var (from, count) = ReadRange(random, model);
            await AssertReadsAsync(random.Next(2) == 0 ? writer : reader, model, from, count, $"step {step} ({what})");
            if (flushedSinceWrite && random.Next(6) == 0)
            {
                await using var otherMount = NewFileData(meta, store);
                await using var other = otherMount.Open(inode, await meta.GetAttributesAsync(inode, CancellationToken.None));
                Assert.Equal(model.Length, other.Length);
                await AssertReadsAsync(other, model, from, count, $"step {step} ({what}), second mount");
            }
        }

        await writer.DisposeAsync();
        await reader.DisposeAsync();
        await data.CollectDeletedSlicesAsync(CancellationToken.None);
        await UntilAsync(() => data.CompactionsPending == 0, "background compactions");
        await data.CollectDeletedSlicesAsync(CancellationToken.None);

        await using (var fresh = NewFileData(meta, store))
        await using (var handle = fresh.Open(inode, await meta.GetAttributesAsync(inode, CancellationToken.None)))
        {
            Assert.Equal(model.Length, handle.Length);
            var whole = await ReadAllAsync(handle, model.Length);
            Assert.True(model.Content.AsSpan().SequenceEqual(whole), "whole file differs after the last close");
        }

        await AssertNoLeaksAndNothingMissingAsync(meta, inode, store, chunks: 3);
        Assert.True(data.PeakBufferedBytes <= 12 * MiB, $"peak write buffer {data.PeakBufferedBytes}");
        Assert.Equal(0, data.BufferedBytes);
    }

    private static async Task AssertReadsAsync(FileHandle handle, FileModel model, long from, int count, string context)
    {
        var buffer = new byte[count + 10];
        var n = await handle.ReadAsync(from, buffer.AsMemory(0, count), CancellationToken.None);
        var expected = (int)Math.Max(0, Math.Min(count, model.Length - from));
        Assert.True(expected == n, $"{context}: read {count} at {from} of {model.Length} returned {n}, expected {expected}");
        var want = model.Content.AsSpan((int)Math.Min(from, model.Length), expected);
        if (!want.SequenceEqual(buffer.AsSpan(0, n)))
        {
            var first = 0;
            while (want[first] == buffer[first])
            {
                first++;
            }

            Assert.Fail($"{context}: read {count} at {from} differs first at file offset {from + first}");
        }
    }

    private static long Offset(Random random, FileModel model) => random.Next(4) switch
    {
        0 => Math.Max(0, Anchors[random.Next(Anchors.Length)] + random.Next(-70_000, 70_000)),
        1 => (long)(model.Length * random.NextDouble()),
        2 => Math.Max(0, model.Length - random.Next(0, 300_000)),
        _ => random.NextInt64(0, FileLayout.ChunkSize + (8L * MiB)),
    };

    private static (long From, int Count) ReadRange(Random random, FileModel model)
    {
        var from = random.Next(5) == 0 ? Anchors[random.Next(Anchors.Length)] : (long)((model.Length + 1000) * random.NextDouble());
        return (from, random.Next(1, random.Next(4) == 0 ? 6 * MiB : 256 * 1024));
    }

    /// <summary>The reference: the file as a byte array.</summary>
    private sealed class FileModel
    {
        public byte[] Content { get; private set; } = [];

        public long Length => Content.Length;

        public void Write(long offset, byte[] bytes)
        {
            if (offset + bytes.Length > Content.Length)
            {
                Resize(offset + bytes.Length);
            }

            bytes.CopyTo(Content, offset);
        }

        public void Truncate(long length) => Resize(length);

        private void Resize(long length)
        {
            var content = new byte[length];
            Content.AsSpan(0, (int)Math.Min(length, Content.Length)).CopyTo(content);
            Content = content;
        }
    }
}
