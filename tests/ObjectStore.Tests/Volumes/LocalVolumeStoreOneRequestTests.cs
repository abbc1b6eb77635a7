using System.Security.Cryptography;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Volumes;

public sealed class LocalVolumeStoreOneRequestTests : IDisposable
{
    private readonly TestVolume _volume = new();

    private LocalVolumeStore Store => _volume.Store;

    public void Dispose() => _volume.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(4096)]
    [InlineData((128 * 1024) + 5)]
    public async Task A_whole_object_is_stored_checked_and_published_in_one_call(int size)
    {
        var data = TestBytes.Random(size, seed: size);
        var hash = ContentHash.FromBytes(SHA256.HashData(data));

        var written = await Store.StoreAsync(hash, new UploadStream(data), size, CancellationToken.None);

        Assert.Equal(hash, written.Hash);
        Assert.Equal(size, written.Length);
        Assert.True(Store.Contains(hash));
        Assert.Empty(_volume.TempFiles);
    }

    [Fact]
    public async Task Bytes_that_are_not_what_the_key_says_leave_nothing_behind()
    {
        var data = TestBytes.Random(4096);
        var other = ContentHash.FromBytes(SHA256.HashData(TestBytes.Random(4096, seed: 9)));

        await Assert.ThrowsAsync<HashMismatchException>(() => Store.StoreAsync(other, new UploadStream(data), data.Length, CancellationToken.None));

        Assert.False(Store.Contains(other));
        Assert.Empty(_volume.TempFiles);
    }

    [Fact]
    public async Task A_body_shorter_than_declared_leaves_nothing_behind()
    {
        var data = TestBytes.Random(4096);

        await Assert.ThrowsAsync<BodyLengthException>(() => Store.StoreAsync(ContentHash.FromBytes(SHA256.HashData(data)), new UploadStream(data), 5000, CancellationToken.None));

        Assert.Empty(_volume.TempFiles);
        Assert.Empty(Store.Keys());
    }

    [Fact]
    public async Task A_body_longer_than_declared_leaves_nothing_behind()
    {
        var data = TestBytes.Random(4096);

        await Assert.ThrowsAsync<BodyLengthException>(() => Store.StoreAsync(ContentHash.FromBytes(SHA256.HashData(data.AsSpan(0, 4000))), new UploadStream(data), 4000, CancellationToken.None));

        Assert.Empty(_volume.TempFiles);
        Assert.Empty(Store.Keys());
    }

    [Theory]
    [InlineData(4096)]
    [InlineData((2 * 1024 * 1024) + 3)]
    public async Task A_stored_copy_with_a_damaged_footer_is_replaced_by_a_fresh_store_of_the_same_bytes(int size)
    {
        var data = TestBytes.Random(size, seed: 3);
        var hash = ContentHash.FromBytes(SHA256.HashData(data));
        await Store.StoreAsync(hash, new UploadStream(data), size, CancellationToken.None);
        _volume.DamageStored(hash, -1);

        await Store.StoreAsync(hash, new UploadStream(data), size, CancellationToken.None);

        await using var reader = Store.OpenRead(hash);
        Assert.NotNull(reader);
        await reader.StartAsync(new(0, size - 1), CancellationToken.None);
        var copy = new MemoryStream();
        await reader.CopyToAsync(copy, CancellationToken.None);
        Assert.Equal(data, copy.ToArray());
        Assert.Empty(_volume.TempFiles);
    }

    [Fact]
    public async Task Storing_what_is_already_stored_keeps_one_file()
    {
        var data = TestBytes.Random(4096);
        var hash = ContentHash.FromBytes(SHA256.HashData(data));

        await Store.StoreAsync(hash, new UploadStream(data), data.Length, CancellationToken.None);
        await Store.StoreAsync(hash, new UploadStream(data), data.Length, CancellationToken.None);

        Assert.Single(Store.Keys());
        Assert.Empty(_volume.TempFiles);
    }

    [Theory]
    [InlineData(64 * 1024)]
    [InlineData((2 * 1024 * 1024) + 3)]
    public async Task A_shard_is_published_only_when_its_block_checksum_is_the_senders(int size)
    {
        var data = TestBytes.Random(size, seed: 5);
        var sums = new DataNodeProtocol.BlockChecksums();
        sums.Append(data);
        var key = new StoredKey(ContentHash.FromBytes(SHA256.HashData([7])), 2);

        var wrong = await Assert.ThrowsAsync<BlockChecksumMismatchException>(() => Store.StoreAsync(key, new UploadStream(data), size, CancellationToken.None, sums.SumOfSums ^ 1));
        Assert.Contains("nothing was stored", wrong.Message);
        Assert.False(Store.Contains(key));
        Assert.Empty(_volume.TempFiles);

        var written = await Store.StoreAsync(key, new UploadStream(data), size, CancellationToken.None, sums.SumOfSums);

        Assert.Equal(sums.SumOfSums, written.BlockChecksum);
        Assert.True(Store.Contains(key));
        Assert.Empty(_volume.TempFiles);
    }

    [Fact]
    public async Task Committing_a_temp_upload_that_does_not_exist_says_so()
    {
        Assert.False(await Store.CommitAsync(TestVolume.NewTempId(), ContentHash.FromBytes(new byte[32]), CancellationToken.None));
    }
}
