using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Objects;
using ObjectStore.Storage.Volumes;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Volumes;

public sealed class LocalVolumeStoreShardTests : IDisposable
{
    private const int Block = 64 * 1024;
    private static readonly ContentHash ObjectHash = ContentHash.FromBytes(SHA256.HashData("the whole object"u8));
    private readonly TestVolume _volume = new();

    private LocalVolumeStore Store => _volume.Store;

    public void Dispose() => _volume.Dispose();

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, Block)]
    [InlineData(254, (2 * Block) + 5)]
    public async Task A_shard_committed_under_its_key_reads_back_byte_for_byte(int shard, int size)
    {
        var data = TestBytes.Random(size, seed: shard);
        var key = new StoredKey(ObjectHash, shard);

        await _volume.CommitAsAsync(key, data);

        Assert.True(Store.Contains(key));
        Assert.False(Store.Contains(ObjectHash));
        Assert.True(File.Exists(_volume.StoredFile(key)));
        await using var reader = Store.OpenRead(key);
        Assert.NotNull(reader);
        Assert.Equal(key, reader.Key);
        Assert.Equal(size, reader.Length);
        await reader.StartAsync(new ByteRange(0, reader.Length - 1), CancellationToken.None);
        using var copy = new MemoryStream();
        await reader.CopyToAsync(copy, CancellationToken.None);
        Assert.Equal(data, copy.ToArray());
    }

    [Fact]
    public async Task A_shard_is_not_found_under_another_shard_index_or_as_the_whole_object()
    {
        await _volume.CommitAsAsync(new StoredKey(ObjectHash, 1), TestBytes.Random(100));

        Assert.False(Store.Contains(new StoredKey(ObjectHash, 0)));
        Assert.False(Store.Contains(new StoredKey(ObjectHash, 2)));
        Assert.False(Store.Contains(ObjectHash));
        Assert.Null(Store.OpenRead(new StoredKey(ObjectHash, 0)));
        Assert.Null(Store.OpenRead(ObjectHash));
    }

    [Fact]
    public async Task Committing_a_shard_does_not_compare_its_content_hash_with_the_key()
    {
        var data = TestBytes.Random(5000);
        var tempId = TestVolume.NewTempId();
        var written = await Store.WriteTempAsync(tempId, new UploadStream(data), data.Length, CancellationToken.None);
        Assert.NotEqual(ObjectHash, written.Hash);

        Assert.True(Store.Commit(tempId, new StoredKey(ObjectHash, 2)));

        Assert.True(Store.Contains(new StoredKey(ObjectHash, 2)));
        Assert.Empty(_volume.TempFiles);
    }

    [Fact]
    public async Task Committing_a_whole_object_under_a_hash_its_content_does_not_have_throws()
    {
        var data = TestBytes.Random(5000);
        var tempId = TestVolume.NewTempId();
        var written = await Store.WriteTempAsync(tempId, new UploadStream(data), data.Length, CancellationToken.None);

        var ex = Assert.Throws<HashMismatchException>(() => Store.Commit(tempId, ObjectHash));

        Assert.Contains(written.Hash.Hex, ex.Message);
        Assert.Contains(ObjectHash.Hex, ex.Message);
        Assert.False(Store.Contains(ObjectHash));
        Assert.Empty(_volume.ObjectFiles);
        Assert.Empty(_volume.TempFiles);
    }

    [Fact]
    public async Task Committing_the_same_bytes_under_a_stored_shard_key_keeps_one_file()
    {
        var data = TestBytes.Random(3000);
        var key = new StoredKey(ObjectHash, 1);

        await _volume.CommitAsAsync(key, data);
        await _volume.CommitAsAsync(key, data);

        Assert.Single(_volume.ObjectFiles);
        Assert.Empty(_volume.TempFiles);
        Assert.Equal(data, await ReadAllAsync(key));
    }

    [Fact]
    public async Task A_shard_commit_that_succeeds_over_a_stored_shard_leaves_the_new_bytes_under_the_key()
    {
        var key = new StoredKey(ObjectHash, 0);
        await _volume.CommitAsAsync(key, TestBytes.Random(3000, seed: 1));
        var replacement = TestBytes.Random(3000, seed: 2);
        var tempId = TestVolume.NewTempId();
        await Store.WriteTempAsync(tempId, new UploadStream(replacement), replacement.Length, CancellationToken.None);

        var committed = false;
        var refused = Record.Exception(() => committed = Store.Commit(tempId, key));

        if (refused is null && committed)
        {
            Assert.Equal(replacement, await ReadAllAsync(key));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Block - 1)]
    [InlineData(Block)]
    [InlineData(Block + 1)]
    [InlineData((16 * Block) + 3)]
    public async Task WriteTemp_answers_the_XxHash3_of_the_little_endian_XxHash3_of_each_64_KiB_block(int size)
    {
        var data = TestBytes.Random(size, seed: size);

        var written = await Store.WriteTempAsync(TestVolume.NewTempId(), new UploadStream(data), null, CancellationToken.None);

        Assert.Equal(ExpectedBlockChecksum(data), written.BlockChecksum);
        Assert.Equal(size, written.Length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), written.Hash.Hex);
    }

    [Fact]
    public async Task The_block_checksum_of_an_empty_upload_is_the_XxHash3_of_nothing()
    {
        var written = await Store.WriteTempAsync(TestVolume.NewTempId(), new UploadStream([]), 0, CancellationToken.None);

        Assert.Equal(XxHash3.HashToUInt64([]), written.BlockChecksum);
    }

    [Fact]
    public async Task The_block_checksum_changes_when_any_block_changes()
    {
        var data = TestBytes.Random((2 * Block) + 10);
        var changed = data.ToArray();
        changed[Block + 7] ^= 0x01;

        var first = await Store.WriteTempAsync(TestVolume.NewTempId(), new UploadStream(data), null, CancellationToken.None);
        var second = await Store.WriteTempAsync(TestVolume.NewTempId(), new UploadStream(changed), null, CancellationToken.None);

        Assert.NotEqual(first.BlockChecksum, second.BlockChecksum);
    }

    [Fact]
    public async Task Keys_lists_whole_objects_and_shards_and_ignores_stray_files()
    {
        var whole = await _volume.StoreAsync(TestBytes.Random(10, seed: 1));
        var shard0 = new StoredKey(ObjectHash, 0);
        var shard5 = new StoredKey(ObjectHash, 5);
        await _volume.CommitAsAsync(shard0, TestBytes.Random(20, seed: 2));
        await _volume.CommitAsAsync(shard5, TestBytes.Random(30, seed: 3));
        var objects = Path.Combine(Store.Root, "objects");
        foreach (var stray in new[] { "README", ".DS_Store", $"{ObjectHash.Hex}.tmp", $"{ObjectHash.Hex}.255", $"{ObjectHash.Hex}.01", $"{ObjectHash.Hex}.1.1700000000000", ObjectHash.Hex[..63] })
        {
            File.WriteAllText(Path.Combine(objects, stray), "not an object");
        }

        Directory.CreateDirectory(Path.Combine(objects, "subdirectory"));

        var keys = Store.Keys().OrderBy(k => k.FileName, StringComparer.Ordinal).ToList();

        Assert.Equal(new[] { (StoredKey)whole, shard0, shard5 }.OrderBy(k => k.FileName, StringComparer.Ordinal), keys);
    }

    [Fact]
    public async Task A_corrupt_shard_read_quarantines_only_that_shard()
    {
        var data = TestBytes.Random((2 * Block) + 100, seed: 7);
        var whole = await _volume.StoreAsync(data);
        var damaged = new StoredKey(whole, 1);
        var intact = new StoredKey(whole, 0);
        await _volume.CommitAsAsync(intact, data);
        await _volume.CommitAsAsync(damaged, data);
        _volume.DamageStored(damaged, Block + 3);

        await Assert.ThrowsAsync<CorruptObjectException>(async () =>
        {
            await using var reader = Store.OpenRead(damaged);
            Assert.NotNull(reader);
            await reader.StartAsync(new ByteRange(0, reader.Length - 1), CancellationToken.None);
            await reader.CopyToAsync(Stream.Null, CancellationToken.None);
        });

        Assert.False(Store.Contains(damaged));
        Assert.True(Store.Contains(intact));
        Assert.True(Store.Contains(whole));
        Assert.Equal([$"{damaged.FileName}.{_volume.Time.GetUtcNow().ToUnixTimeMilliseconds()}"], _volume.QuarantineFiles.Select(Path.GetFileName));
        Assert.Equal(new[] { (StoredKey)whole, intact }.OrderBy(k => k.FileName, StringComparer.Ordinal), Store.Keys().OrderBy(k => k.FileName, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_shard_with_damaged_block_checksums_is_quarantined_on_open()
    {
        var key = new StoredKey(ObjectHash, 3);
        await _volume.CommitAsAsync(key, TestBytes.Random(Block + 1));
        var other = new StoredKey(ObjectHash, 4);
        await _volume.CommitAsAsync(other, TestBytes.Random(Block + 1));
        _volume.DamageStored(key, Block + 1 + 2);

        Assert.Throws<CorruptObjectException>(() => Store.OpenRead(key));

        Assert.False(Store.Contains(key));
        Assert.True(Store.Contains(other));
        Assert.Single(_volume.QuarantineFiles);
    }

    private async Task<byte[]> ReadAllAsync(StoredKey key)
    {
        await using var reader = Store.OpenRead(key);
        Assert.NotNull(reader);
        await reader.StartAsync(new ByteRange(0, reader.Length - 1), CancellationToken.None);
        using var copy = new MemoryStream();
        await reader.CopyToAsync(copy, CancellationToken.None);
        return copy.ToArray();
    }

    private static ulong ExpectedBlockChecksum(byte[] data)
    {
        var sums = new List<byte>();
        for (var offset = 0; offset < data.Length; offset += Block)
        {
            var block = data.AsSpan(offset, Math.Min(Block, data.Length - offset));
            var sum = new byte[sizeof(ulong)];
            BinaryPrimitives.WriteUInt64LittleEndian(sum, XxHash3.HashToUInt64(block));
            sums.AddRange(sum);
        }

        return XxHash3.HashToUInt64(sums.ToArray());
    }
}
