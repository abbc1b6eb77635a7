using System.Runtime.InteropServices;
using System.Security.Cryptography;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Volumes;

public sealed class LocalVolumeStoreBatchTests : IDisposable
{
    private readonly TestVolume _volume = new();

    private LocalVolumeStore Store => _volume.Store;

    public void Dispose() => _volume.Dispose();

    [Fact]
    public async Task Every_item_of_a_batch_is_stored_checked_and_published_and_reads_back()
    {
        var whole = TestBytes.Random(4096, seed: 1);
        var shard = TestBytes.Random(70_000, seed: 2);
        var empty = Array.Empty<byte>();
        var shardKey = new StoredKey(Hash(TestBytes.Random(10, seed: 3)), 4);

        var results = await Store.StoreBatchAsync(Body((Hash(whole), whole), (shardKey, shard), (Hash(empty), empty)), CancellationToken.None);

        Assert.All(results, r => Assert.Equal(DataNodeProtocol.Status.Stored, r.Status));
        Assert.Equal([4096L, 70_000L, 0L], results.Select(r => r.Size));
        Assert.Equal(Hash(whole).Hex, results[0].Hash);
        Assert.Equal(Checksum(shard), results[1].BlockChecksum);
        Assert.Equal(whole, await ReadAsync(Hash(whole), whole.Length));
        Assert.Equal(shard, await ReadAsync(shardKey, shard.Length));
        Assert.True(Store.Contains(Hash(empty)));
        Assert.Empty(_volume.TempFiles);
    }

    [Fact]
    public async Task An_item_that_is_not_what_its_key_or_checksum_says_is_refused_alone()
    {
        var good = TestBytes.Random(4096, seed: 1);
        var lying = TestBytes.Random(4096, seed: 2);
        var liarsKey = Hash(TestBytes.Random(4096, seed: 3));
        var shard = TestBytes.Random(5000, seed: 4);
        var shardKey = new StoredKey(Hash(shard), 0);

        var results = await Store.StoreBatchAsync(
            Body([(liarsKey, lying, Checksum(lying)), (Hash(good), good, Checksum(good)), (shardKey, shard, "0123456789abcdef")]),
            CancellationToken.None);

        Assert.Equal([DataNodeProtocol.Status.HashMismatch, DataNodeProtocol.Status.Stored, DataNodeProtocol.Status.HashMismatch], results.Select(r => r.Status));
        Assert.Contains(liarsKey.Hex, results[0].Error);
        Assert.False(Store.Contains(liarsKey));
        Assert.False(Store.Contains(shardKey));
        Assert.Equal(good, await ReadAsync(Hash(good), good.Length));
        Assert.Empty(_volume.TempFiles);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(30)]
    [InlineData(2 + 1 + 64 + 12 + 100)]
    public async Task A_batch_cut_short_publishes_nothing_and_leaves_no_temp_file(int cutFromEnd)
    {
        var first = TestBytes.Random(4096, seed: 1);
        var second = TestBytes.Random(4096, seed: 2);
        var body = Body((Hash(first), first), (Hash(second), second));

        await Assert.ThrowsAsync<StoreBatchFormatException>(() => Store.StoreBatchAsync(new MemoryStream(body.ToArray()[..^cutFromEnd]), CancellationToken.None));

        Assert.False(Store.Contains(Hash(first)));
        Assert.False(Store.Contains(Hash(second)));
        Assert.Empty(_volume.TempFiles);
    }

    [Fact]
    public async Task Bytes_after_the_last_item_refuse_the_whole_batch()
    {
        var data = TestBytes.Random(4096, seed: 1);
        var body = Body((Hash(data), data)).ToArray().Concat(new byte[] { 7 }).ToArray();

        var error = await Assert.ThrowsAsync<StoreBatchFormatException>(() => Store.StoreBatchAsync(new MemoryStream(body), CancellationToken.None));

        Assert.Contains("goes on after its 1 items", error.Message);
        Assert.False(Store.Contains(Hash(data)));
        Assert.Empty(_volume.TempFiles);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(DataNodeProtocol.StoreBatch.MaxItems + 1)]
    public async Task A_count_outside_the_protocols_limits_is_refused(int count)
    {
        var body = new byte[DataNodeProtocol.StoreBatch.CountSize];
        DataNodeProtocol.StoreBatch.WriteCount(body, count);

        await Assert.ThrowsAsync<StoreBatchFormatException>(() => Store.StoreBatchAsync(new MemoryStream(body), CancellationToken.None));
    }

    [Fact]
    public async Task A_malformed_key_or_an_oversized_item_is_refused_before_its_bytes_are_read()
    {
        var badKey = Frame("not-a-key", 0, 4);
        var tooLarge = Frame(new string('a', 64), 0, DataNodeProtocol.StoreBatch.MaxItemBytes + 1);

        await Assert.ThrowsAsync<StoreBatchFormatException>(() => Store.StoreBatchAsync(new MemoryStream(badKey), CancellationToken.None));
        var error = await Assert.ThrowsAsync<StoreBatchFormatException>(() => Store.StoreBatchAsync(new MemoryStream(tooLarge), CancellationToken.None));
        Assert.Contains("at most", error.Message);
        Assert.Empty(_volume.TempFiles);
    }

    [Fact]
    public async Task An_item_already_stored_intact_is_answered_without_writing_it_again_and_counts_as_written_now()
    {
        // Above the packing limit, so that it is a file of its own; PackedVolumeTests covers a packed one.
        var data = TestBytes.Random(100 * 1024, seed: 1);
        await Store.StoreBatchAsync(Body((Hash(data), data)), CancellationToken.None);
        var path = _volume.ObjectFile(Hash(data));
        var hourAgo = File.GetLastWriteTimeUtc(path).AddHours(-1);
        File.SetLastWriteTimeUtc(path, hourAgo);
        // A second name for the file: it stays the same file as the key's only if the store did not write a new one.
        var link = path + ".link";
        Assert.Equal(0, Link(path, link));

        var results = await Store.StoreBatchAsync(Body((Hash(data), data)), CancellationToken.None);

        Assert.Equal(DataNodeProtocol.Status.Stored, Assert.Single(results).Status);
        Assert.True(File.GetLastWriteTimeUtc(path) > hourAgo);
        File.SetLastWriteTimeUtc(link, hourAgo);
        Assert.Equal(hourAgo, File.GetLastWriteTimeUtc(path));
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existing, string created);

    private static ContentHash Hash(byte[] data) => ContentHash.FromBytes(SHA256.HashData(data));

    private static string Checksum(byte[] data)
    {
        var sums = new DataNodeProtocol.BlockChecksums();
        sums.Append(data);
        return sums.ToString();
    }

    private static MemoryStream Body(params (StoredKey Key, byte[] Data)[] items) => Body([.. items.Select(i => (i.Key, i.Data, Checksum(i.Data)))]);

    private static MemoryStream Body((StoredKey Key, byte[] Data, string Checksum)[] items)
    {
        var body = new MemoryStream();
        var count = new byte[DataNodeProtocol.StoreBatch.CountSize];
        DataNodeProtocol.StoreBatch.WriteCount(count, items.Length);
        body.Write(count);
        foreach (var (key, data, checksum) in items)
        {
            DataNodeProtocol.TryParseBlockChecksum(checksum, out var sum);
            body.Write(Frame(key.FileName, sum, data.Length, withCount: false));
            body.Write(data);
        }

        body.Position = 0;
        return body;
    }

    /// <summary>An item header (after a count of one, unless <paramref name="withCount"/> is false) without its bytes.</summary>
    private static byte[] Frame(string key, ulong checksum, int length, bool withCount = true)
    {
        var header = new byte[DataNodeProtocol.StoreBatch.HeaderSize(key)];
        DataNodeProtocol.StoreBatch.WriteHeader(header, key, checksum, length);
        if (!withCount)
        {
            return header;
        }

        var count = new byte[DataNodeProtocol.StoreBatch.CountSize];
        DataNodeProtocol.StoreBatch.WriteCount(count, 1);
        return [.. count, .. header];
    }

    private async Task<byte[]> ReadAsync(StoredKey key, int length)
    {
        await using var reader = Store.OpenRead(key);
        Assert.NotNull(reader);
        await reader.StartAsync(new(0, length - 1), CancellationToken.None);
        var copy = new MemoryStream();
        await reader.CopyToAsync(copy, CancellationToken.None);
        return copy.ToArray();
    }
}
