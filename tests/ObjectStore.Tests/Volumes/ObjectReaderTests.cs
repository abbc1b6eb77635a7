using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Objects;
using ObjectStore.Storage.Volumes;
using ObjectStore.Tests.Support;
using ObjectReader = ObjectStore.Storage.Volumes.ObjectReader;

namespace ObjectStore.Tests.Volumes;

public sealed class ObjectReaderTests : IDisposable
{
    private const int Block = 64 * 1024;
    private const int Chunk = 16 * Block;
    private const int Size = (2 * Chunk) + 3;
    private readonly TestVolume _volume = new();
    private readonly byte[] _data = TestBytes.Random(Size, seed: 7);

    public void Dispose() => _volume.Dispose();

    private static async Task<byte[]> ReadAsync(ObjectReader reader, ByteRange range)
    {
        await reader.StartAsync(range, CancellationToken.None);
        using var destination = new MemoryStream();
        await reader.CopyToAsync(destination, CancellationToken.None);
        return destination.ToArray();
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 99)]
    [InlineData(Block - 1, Block)]
    [InlineData(Block - 10, (3 * Block) + 10)]
    [InlineData(Chunk - 1, Chunk)]
    [InlineData(Chunk - 5, Chunk + Block + 5)]
    [InlineData(Chunk + 7, Chunk + 7)]
    [InlineData(Size - 1, Size - 1)]
    [InlineData(Size - 4, Size - 1)]
    [InlineData(12345, Size - 1)]
    [InlineData(0, Size - 1)]
    public async Task Serves_exactly_the_requested_range(int first, int last)
    {
        var hash = await _volume.StoreAsync(_data);
        await using var reader = _volume.Store.OpenRead(hash);

        var bytes = await ReadAsync(reader!, new ByteRange(first, last));

        Assert.Equal(_data.AsSpan(first, last - first + 1).ToArray(), bytes);
    }

    [Fact]
    public async Task An_empty_object_reads_as_nothing()
    {
        var hash = await _volume.StoreAsync([]);
        await using var reader = _volume.Store.OpenRead(hash);

        Assert.Equal(0, reader!.Length);
        Assert.Empty(await ReadAsync(reader, new ByteRange(0, -1)));
    }

    [Fact]
    public async Task CopyTo_before_Start_is_refused()
    {
        var hash = await _volume.StoreAsync(_data);
        await using var reader = _volume.Store.OpenRead(hash);

        await Assert.ThrowsAsync<InvalidOperationException>(() => reader!.CopyToAsync(Stream.Null, CancellationToken.None));
    }

    [Fact]
    public async Task A_damaged_late_block_fails_the_copy_before_its_bytes_are_sent_and_quarantines_the_object()
    {
        const int badBlock = 20;
        var hash = await _volume.StoreAsync(_data);
        _volume.Damage(hash, (badBlock * Block) + 1234);

        await using (var rangeReader = _volume.Store.OpenRead(hash))
        {
            Assert.NotNull(rangeReader);
            Assert.Equal(_data.AsSpan(0, 100).ToArray(), await ReadAsync(rangeReader, new ByteRange(0, 99)));
        }

        Assert.True(_volume.Store.Contains(hash));
        await using var reader = _volume.Store.OpenRead(hash);
        Assert.NotNull(reader);
        await reader.StartAsync(new ByteRange(0, Size - 1), CancellationToken.None);
        using var destination = new MemoryStream();
        var ex = await Assert.ThrowsAsync<CorruptObjectException>(() => reader.CopyToAsync(destination, CancellationToken.None));

        Assert.Equal(hash.Hex, ex.Hash);
        Assert.InRange(destination.Length, 0, badBlock * Block);
        Assert.Equal(_data.AsSpan(0, (int)destination.Length).ToArray(), destination.ToArray());
        AssertQuarantined(hash);
    }

    [Fact]
    public async Task A_damaged_first_block_fails_Start_before_anything_is_sent()
    {
        var hash = await _volume.StoreAsync(_data);
        _volume.Damage(hash, 10);
        await using var reader = _volume.Store.OpenRead(hash);
        Assert.NotNull(reader);

        var ex = await Assert.ThrowsAsync<CorruptObjectException>(() => reader.StartAsync(new ByteRange(0, Size - 1), CancellationToken.None));

        Assert.Equal(hash.Hex, ex.Hash);
        AssertQuarantined(hash);
    }

    [Fact]
    public async Task A_damaged_block_is_caught_in_a_range_that_starts_inside_it()
    {
        var hash = await _volume.StoreAsync(_data);
        _volume.Damage(hash, Size - 1);
        await using var reader = _volume.Store.OpenRead(hash);

        await Assert.ThrowsAsync<CorruptObjectException>(() => reader!.StartAsync(new ByteRange(Size - 1, Size - 1), CancellationToken.None));

        AssertQuarantined(hash);
    }

    public static TheoryData<string, int> FooterAndChecksumDamage() => new()
    {
        { "magic", -64 },
        { "block size", -64 + 8 },
        { "length", -64 + 16 },
        { "sha-256", -64 + 24 },
        { "checksum of the block sums", -64 + 56 },
        { "a block sum", -64 - 8 },
    };

    [Theory]
    [MemberData(nameof(FooterAndChecksumDamage))]
    public async Task Damage_to_the_footer_or_block_sums_fails_OpenRead_and_quarantines_the_object(string what, int offsetFromEnd)
    {
        var hash = await _volume.StoreAsync(_data);
        _volume.Damage(hash, offsetFromEnd);

        var ex = Assert.Throws<CorruptObjectException>(() => _volume.Store.OpenRead(hash));

        Assert.True(ex.Hash == hash.Hex, what);
        AssertQuarantined(hash);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(Size / 2)]
    public async Task A_truncated_file_fails_OpenRead(int keepBytes)
    {
        var hash = await _volume.StoreAsync(_data);
        using (var file = new FileStream(_volume.ObjectFile(hash), FileMode.Open, FileAccess.ReadWrite))
        {
            file.SetLength(keepBytes);
        }

        Assert.Throws<CorruptObjectException>(() => _volume.Store.OpenRead(hash));

        AssertQuarantined(hash);
    }

    [Fact]
    public void OpenRead_of_an_absent_object_is_null()
    {
        Assert.Null(_volume.Store.OpenRead(ContentHash.FromBytes(new byte[32])));
    }

    private void AssertQuarantined(ContentHash hash)
    {
        Assert.False(_volume.Store.Contains(hash));
        Assert.Null(_volume.Store.OpenRead(hash));
        var quarantined = Assert.Single(_volume.QuarantineFiles);
        Assert.StartsWith(hash.Hex + ".", Path.GetFileName(quarantined), StringComparison.Ordinal);
    }
}
