using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Objects;
using ObjectStore.Storage.Volumes;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Volumes;

public sealed class LocalVolumeStoreTests : IDisposable
{
    private const int Block = 64 * 1024;
    private readonly TestVolume _volume = new();

    private LocalVolumeStore Store => _volume.Store;

    public void Dispose() => _volume.Dispose();

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, true)]
    [InlineData(Block, true)]
    [InlineData(Block + 1, false)]
    [InlineData((1024 * 1024) + 3, true)]
    [InlineData((1024 * 1024) + 3, false)]
    public async Task A_committed_upload_reads_back_byte_for_byte(int size, bool declareLength)
    {
        var data = TestBytes.Random(size, seed: size);
        var tempId = TestVolume.NewTempId();

        var (hash, length) = await Store.WriteTempAsync(tempId, new UploadStream(data), declareLength ? size : null, CancellationToken.None);
        Assert.True(Store.Commit(tempId, hash));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), hash.Hex);
        Assert.Equal(size, length);
        Assert.True(Store.Contains(hash));
        await using var reader = Store.OpenRead(hash);
        Assert.NotNull(reader);
        Assert.Equal(size, reader.Length);
        Assert.Equal(hash, reader.Key.Hash);
        await reader.StartAsync(new ByteRange(0, reader.Length - 1), CancellationToken.None);
        using var copy = new MemoryStream();
        await reader.CopyToAsync(copy, CancellationToken.None);
        Assert.Equal(data, copy.ToArray());
    }

    [Fact]
    public async Task The_temp_file_is_gone_after_commit()
    {
        var tempId = TestVolume.NewTempId();
        var (hash, _) = await Store.WriteTempAsync(tempId, new UploadStream(TestBytes.Random(1000)), 1000, CancellationToken.None);
        Assert.True(File.Exists(_volume.TempFile(tempId)));
        Assert.Equal([tempId], Store.TempIds());

        Store.Commit(tempId, hash);

        Assert.Empty(_volume.TempFiles);
        Assert.Empty(Store.TempIds());
        Assert.True(File.Exists(_volume.ObjectFile(hash)));
    }

    [Fact]
    public async Task An_uncommitted_upload_is_not_visible()
    {
        var (hash, _) = await Store.WriteTempAsync(TestVolume.NewTempId(), new UploadStream(TestBytes.Random(10)), 10, CancellationToken.None);

        Assert.False(Store.Contains(hash));
        Assert.Null(Store.OpenRead(hash));
    }

    [Fact]
    public async Task Commit_with_the_wrong_hash_throws_and_removes_the_temp_file()
    {
        var data = TestBytes.Random(5000);
        var tempId = TestVolume.NewTempId();
        var (actual, _) = await Store.WriteTempAsync(tempId, new UploadStream(data), data.Length, CancellationToken.None);
        var wrong = ContentHash.FromBytes(SHA256.HashData("something else"u8));

        var ex = Assert.Throws<HashMismatchException>(() => Store.Commit(tempId, wrong));

        Assert.Contains(wrong.Hex, ex.Message, StringComparison.Ordinal);
        Assert.Empty(_volume.TempFiles);
        Assert.Empty(_volume.ObjectFiles);
        Assert.False(Store.Contains(wrong));
        Assert.False(Store.Contains(actual));
    }

    [Fact]
    public void Commit_of_an_unknown_temp_id_returns_false()
    {
        Assert.False(Store.Commit(TestVolume.NewTempId(), ContentHash.FromBytes(new byte[32])));
        Assert.Empty(_volume.ObjectFiles);
    }

    [Theory]
    [InlineData(100, 101)]
    [InlineData(100, 99)]
    [InlineData(100, 50)]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData((2 * 1024 * 1024) + 5, (2 * 1024 * 1024) + 6)]
    [InlineData((2 * 1024 * 1024) + 5, 1024 * 1024)]
    public async Task A_body_shorter_or_longer_than_declared_throws_and_leaves_no_temp_file(int actualSize, int declaredSize)
    {
        var tempId = TestVolume.NewTempId();

        await Assert.ThrowsAsync<BodyLengthException>(() =>
            Store.WriteTempAsync(tempId, new UploadStream(TestBytes.Random(actualSize)), declaredSize, CancellationToken.None));

        Assert.Empty(_volume.TempFiles);
        Assert.Empty(_volume.ObjectFiles);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(Block + 17)]
    [InlineData((1024 * 1024) + 1)]
    public async Task A_body_that_breaks_off_midway_leaves_no_temp_file(int failAfter)
    {
        var body = new UploadStream(TestBytes.Random(3 * 1024 * 1024), failAfter: failAfter);

        await Assert.ThrowsAsync<IOException>(() =>
            Store.WriteTempAsync(TestVolume.NewTempId(), body, 3 * 1024 * 1024, CancellationToken.None));

        Assert.Empty(_volume.TempFiles);
        Assert.Empty(_volume.ObjectFiles);
    }

    [Fact]
    public async Task A_cancelled_upload_leaves_no_temp_file()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Store.WriteTempAsync(TestVolume.NewTempId(), new UploadStream(TestBytes.Random(Block)), Block, cancel.Token));

        Assert.Empty(_volume.TempFiles);
    }

    [Fact]
    public async Task A_second_upload_to_a_temp_id_in_use_fails_and_leaves_the_first_alone()
    {
        var tempId = TestVolume.NewTempId();
        var data = TestBytes.Random(1000);
        var (hash, _) = await Store.WriteTempAsync(tempId, new UploadStream(data), data.Length, CancellationToken.None);

        await Assert.ThrowsAsync<IOException>(() =>
            Store.WriteTempAsync(tempId, new UploadStream(TestBytes.Random(10, seed: 1)), 10, CancellationToken.None));

        Assert.True(File.Exists(_volume.TempFile(tempId)));
        Assert.True(Store.Commit(tempId, hash));
        Assert.True(Store.Contains(hash));
    }

    [Fact]
    public async Task Committing_the_same_bytes_twice_keeps_one_object()
    {
        var data = TestBytes.Random(Block + 5);

        var first = await _volume.StoreAsync(data);
        var second = await _volume.StoreAsync(data);

        Assert.Equal(first, second);
        Assert.Equal([_volume.ObjectFile(first)], _volume.ObjectFiles);
        Assert.Empty(_volume.TempFiles);
    }

    [Fact]
    public async Task Delete_removes_a_stored_object()
    {
        var hash = await _volume.StoreAsync(TestBytes.Random(10));

        Assert.Equal(DeleteOutcome.Deleted, Store.Delete(hash));

        Assert.False(Store.Contains(hash));
        Assert.Equal(DeleteOutcome.NotHere, Store.Delete(hash));
    }

    [Fact]
    public async Task DeleteTemp_removes_an_upload_in_progress()
    {
        var tempId = TestVolume.NewTempId();
        await Store.WriteTempAsync(tempId, new UploadStream(TestBytes.Random(10)), 10, CancellationToken.None);

        Assert.True(Store.DeleteTemp(tempId));

        Assert.Empty(_volume.TempFiles);
        Assert.False(Store.DeleteTemp(tempId));
    }

    [Fact]
    public async Task CleanTemp_removes_only_uploads_older_than_the_max_age()
    {
        // Well after the store started, so only age decides.
        _volume.Time.Advance(TimeSpan.FromHours(2));
        var stale = TestVolume.NewTempId();
        var fresh = TestVolume.NewTempId();
        await Store.WriteTempAsync(stale, new UploadStream(TestBytes.Random(10)), 10, CancellationToken.None);
        await Store.WriteTempAsync(fresh, new UploadStream(TestBytes.Random(10)), 10, CancellationToken.None);
        var now = _volume.Time.GetUtcNow().UtcDateTime;
        File.SetLastWriteTimeUtc(_volume.TempFile(stale), now - TimeSpan.FromMinutes(61));
        File.SetLastWriteTimeUtc(_volume.TempFile(fresh), now - TimeSpan.FromMinutes(59));

        Assert.Equal(1, Store.CleanTemp(TimeSpan.FromHours(1)));

        Assert.Equal([fresh], Store.TempIds());
        _volume.Time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, Store.CleanTemp(TimeSpan.FromHours(1)));
        Assert.Empty(Store.TempIds());
    }

    [Fact]
    public async Task CleanTemp_removes_uploads_left_from_before_the_node_started_whatever_their_age()
    {
        var leftover = TestVolume.NewTempId();
        await Store.WriteTempAsync(leftover, new UploadStream(TestBytes.Random(10)), 10, CancellationToken.None);
        File.SetLastWriteTimeUtc(_volume.TempFile(leftover), _volume.Time.GetUtcNow().UtcDateTime - TimeSpan.FromSeconds(5));

        Assert.Equal(1, Store.CleanTemp(TimeSpan.FromHours(1)));
        Assert.Empty(Store.TempIds());
    }

    [Fact]
    public async Task CleanTemp_never_touches_committed_objects()
    {
        var hash = await _volume.StoreAsync(TestBytes.Random(10));
        File.SetLastWriteTimeUtc(_volume.ObjectFile(hash), DateTime.UnixEpoch);

        Assert.Equal(0, Store.CleanTemp(TimeSpan.Zero));

        Assert.True(Store.Contains(hash));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("../0123456789abcdef0123456789abc")]
    [InlineData("/tmp/0123456789abcdef0123456789a")]
    [InlineData("0123456789abcdef0123456789abcde")]
    [InlineData("0123456789abcdef0123456789abcdef0")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef0123456789abcdeg")]
    [InlineData("")]
    public async Task Rejects_temp_ids_that_are_not_32_lower_case_hex_digits(string tempId)
    {
        Assert.False(LocalVolumeStore.IsValidTempId(tempId));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.WriteTempAsync(tempId, new UploadStream([1, 2, 3]), 3, CancellationToken.None));
        Assert.Throws<ArgumentException>(() => Store.Commit(tempId, ContentHash.FromBytes(new byte[32])));
        Assert.Throws<ArgumentException>(() => Store.DeleteTemp(tempId));
        Assert.Empty(_volume.TempFiles);
    }

    [Fact]
    public void A_store_without_a_storage_root_refuses_to_start()
    {
        Assert.Throws<InvalidOperationException>(() =>
            new LocalVolumeStore(Options.Create(new DataNodeOptions()), TimeProvider.System, NullLogger<LocalVolumeStore>.Instance));
    }
}
