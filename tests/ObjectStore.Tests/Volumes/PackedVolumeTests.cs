using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Objects;
using ObjectStore.Storage.Volumes;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Volumes;

/// <summary>
/// Small objects in packs (<see cref="PackFile"/>), through the volume's own calls. A restart is a store disposed and
/// another opened on the same root, so that what a node finds at start is what was on disk, not what was in memory.
/// </summary>
public sealed class PackedVolumeTests : IDisposable
{
    private const long OneMiB = 1024 * 1024;
    private readonly TemporaryDirectory _root = new();
    private readonly List<LocalVolumeStore> _stores = [];

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        _root.Dispose();
    }

    [Fact]
    public async Task A_small_object_is_a_live_record_in_a_pack_and_reads_back_whole_and_in_part()
    {
        var store = Open();
        var data = TestBytes.Random(4096, seed: 1);

        var key = await StoreAsync(store, data);

        Assert.Empty(ObjectFiles());
        var pack = Assert.Single(PackPaths());
        var record = Assert.Single(PackFile.Records(pack));
        Assert.Equal((key.FileName, false), (record.Key, record.Dead));
        Assert.Equal(data, await ReadAsync(store, key));
        Assert.Equal(data[100..200], await ReadAsync(store, key, 100, 199));
        Assert.True(store.Contains(key));
        Assert.Equal<StoredKey>([key], store.Keys());
        Assert.Equal(key.FileName, Assert.Single(store.ListHeld(null, 10)).Key);
    }

    [Fact]
    public async Task A_restart_finds_the_live_objects_with_their_write_times_and_not_the_deleted_one()
    {
        var store = Open();
        var data = Enumerable.Range(0, 5).Select(i => TestBytes.Random(1000 + (i * 700), seed: i)).ToArray();
        var keys = new List<StoredKey>();
        foreach (var item in data)
        {
            keys.Add(await StoreAsync(store, item));
        }

        Assert.Equal(DeleteOutcome.Deleted, store.Delete(keys[2]));
        var listed = store.ListHeld(null, 10);
        Assert.Equal(4, listed.Count);

        store = Restart(store);

        Assert.False(store.Contains(keys[2]));
        foreach (var i in new[] { 0, 1, 3, 4 })
        {
            Assert.Equal(data[i], await ReadAsync(store, keys[i]));
        }

        Assert.Equal(listed, store.ListHeld(null, 10));
        Assert.Empty(ObjectFiles());
    }

    [Fact]
    public async Task A_damaged_record_is_refused_quarantined_and_forgotten_and_its_neighbours_still_read()
    {
        var store = Open();
        var data = Enumerable.Range(0, 3).Select(i => TestBytes.Random(4096, seed: i)).ToArray();
        var keys = new List<StoredKey>();
        foreach (var item in data)
        {
            keys.Add(await StoreAsync(store, item));
        }

        var damaged = LiveRecord(keys[1]);
        FlipByte(damaged.Path, damaged.Record.DataOffset + 10);

        await Assert.ThrowsAsync<CorruptObjectException>(() => ReadAsync(store, keys[1]));

        Assert.False(store.Contains(keys[1]));
        Assert.Equal(1, store.Quarantined);
        var quarantined = Assert.Single(Directory.GetFiles(_root.Combine("quarantine")));
        Assert.StartsWith(keys[1].FileName + ".", Path.GetFileName(quarantined));
        Assert.Equal(damaged.Record.FileLength, new FileInfo(quarantined).Length);
        // Dead on disk too, so that a restart does not serve it again.
        Assert.All(Records().Where(r => r.Record.Key == keys[1].FileName), r => Assert.True(r.Record.Dead));
        Assert.Equal(data[0], await ReadAsync(store, keys[0]));
        Assert.Equal(data[2], await ReadAsync(store, keys[2]));

        store = Restart(store);

        Assert.False(store.Contains(keys[1]));
        Assert.Equal(data[2], await ReadAsync(store, keys[2]));
    }

    [Fact]
    public async Task A_damaged_header_in_the_middle_of_a_pack_costs_only_its_own_record()
    {
        var store = Open();
        var data = Enumerable.Range(0, 3).Select(i => TestBytes.Random(4096, seed: i)).ToArray();
        var keys = new List<StoredKey>();
        foreach (var item in data)
        {
            keys.Add(await StoreAsync(store, item));
        }

        store.Dispose();
        var second = LiveRecord(keys[1]);
        WriteAt(second.Path, second.Record.Offset, "garbage!"u8.ToArray());

        store = Open();

        Assert.Equal(data[0], await ReadAsync(store, keys[0]));
        Assert.False(store.Contains(keys[1]));
        Assert.Equal(data[2], await ReadAsync(store, keys[2]));
        Assert.Equal(2, store.Keys().Count());
    }

    [Fact]
    public async Task Garbage_and_a_torn_record_after_the_last_record_are_ignored_at_start_and_the_volume_goes_on()
    {
        var store = Open();
        var data = Enumerable.Range(0, 3).Select(i => TestBytes.Random(4096, seed: i)).ToArray();
        var keys = new List<StoredKey>();
        foreach (var item in data)
        {
            keys.Add(await StoreAsync(store, item));
        }

        store.Dispose();
        var pack = Assert.Single(PackPaths());
        var last = PackFile.Records(pack).Last();
        var end = last.Offset + PackFile.RecordSize(last.FileLength);
        // A write that never completed: random bytes where the next record would have gone, then, in the pack's last
        // sector, an intact header whose record runs past the end of the file.
        WriteAt(pack, end, TestBytes.Random(1500, seed: 99));
        var torn = Hash(TestBytes.Random(4096, seed: 100));
        var header = new byte[PackFile.HeaderSize];
        PackFile.WriteHeader(header, torn.FileName, 8192, DateTime.UtcNow.Ticks, dead: false);
        WriteAt(pack, new FileInfo(pack).Length - PackFile.Alignment, header);

        store = Open();

        for (var i = 0; i < data.Length; i++)
        {
            Assert.Equal(data[i], await ReadAsync(store, keys[i]));
        }

        Assert.False(store.Contains(torn));
        Assert.Equal(3, store.Keys().Count());
        var fresh = TestBytes.Random(4096, seed: 3);
        var freshKey = await StoreAsync(store, fresh);
        Assert.Equal(fresh, await ReadAsync(store, freshKey));

        store = Restart(store);

        Assert.Equal(fresh, await ReadAsync(store, freshKey));
        for (var i = 0; i < data.Length; i++)
        {
            Assert.Equal(data[i], await ReadAsync(store, keys[i]));
        }
    }

    [Fact]
    public async Task A_delete_as_listed_deletes_what_was_not_written_since()
    {
        var store = Open();
        var key = await StoreAsync(store, TestBytes.Random(4096, seed: 1));
        var listed = Assert.Single(store.ListHeld(null, 10));

        Assert.Equal(DeleteOutcome.Deleted, store.Delete(key, listed.Written));

        Assert.False(store.Contains(key));
        Assert.All(Records(), r => Assert.True(r.Record.Dead));
        Assert.Equal(DeleteOutcome.NotHere, store.Delete(key, listed.Written));
        store = Restart(store);
        Assert.False(store.Contains(key));
    }

    [Fact]
    public async Task The_same_bytes_stored_again_after_a_listing_count_as_written_then_without_a_second_record()
    {
        var store = Open();
        var data = TestBytes.Random(4096, seed: 1);
        var key = await StoreAsync(store, data);
        var listed = Assert.Single(store.ListHeld(null, 10));
        // The write time is the wall clock's: the second store must come after the listing to be told from it.
        while (DateTime.UtcNow <= listed.Written.UtcDateTime)
        {
            Thread.Yield();
        }

        await StoreAsync(store, data);

        Assert.Single(Records(), r => r.Record.Key == key.FileName && !r.Record.Dead);
        Assert.Equal(DeleteOutcome.WrittenSince, store.Delete(key, listed.Written));
        Assert.Equal(data, await ReadAsync(store, key));
        var relisted = Assert.Single(store.ListHeld(null, 10));
        Assert.True(relisted.Written > listed.Written);

        // The new write time is in the record's header, so a restart still refuses the old listing.
        store = Restart(store);

        Assert.Equal(relisted, Assert.Single(store.ListHeld(null, 10)));
        Assert.Equal(DeleteOutcome.WrittenSince, store.Delete(key, listed.Written));
        Assert.Equal(DeleteOutcome.Deleted, store.Delete(key, relisted.Written));
        Assert.False(store.Contains(key));
    }

    [Fact]
    public async Task Compaction_removes_mostly_deleted_packs_and_keeps_every_live_object_across_a_restart()
    {
        var store = Open();
        // 600 records of 4,608 bytes: three packs of 1 MiB, the first two sealed.
        var data = Enumerable.Range(0, 600).Select(i => TestBytes.Random(4096, seed: i)).ToArray();
        var keys = new StoredKey[data.Length];
        foreach (var group in Enumerable.Range(0, data.Length).Chunk(50))
        {
            await Task.WhenAll(group.Select(async i => keys[i] = await StoreAsync(store, data[i])));
        }

        Assert.True(store.PackUsage.Packs >= 3);
        var kept = Enumerable.Range(0, data.Length).Where(i => i % 10 == 0).ToArray();
        var deleted = Enumerable.Range(0, data.Length).Where(i => i % 10 != 0).ToArray();
        Parallel.ForEach(deleted, i => Assert.Equal(DeleteOutcome.Deleted, store.Delete(keys[i])));
        var packsBefore = PackPaths();
        var before = store.PackUsage;

        var removed = await store.CompactPacksAsync(CancellationToken.None);

        var after = store.PackUsage;
        Assert.True(removed >= 1);
        Assert.Equal(removed, packsBefore.Count(p => !File.Exists(p)));
        Assert.Equal(before.Packs - removed, after.Packs);
        Assert.True(after.Bytes < before.Bytes, $"{after.Bytes} bytes after compaction, {before.Bytes} before");
        Assert.Equal(before.LiveBytes, after.LiveBytes);
        await AssertHeldAsync(store, kept, deleted);

        store = Restart(store);

        await AssertHeldAsync(store, kept, deleted);
        Assert.Equal(before.LiveBytes, store.PackUsage.LiveBytes);

        async Task AssertHeldAsync(LocalVolumeStore volume, int[] live, int[] gone)
        {
            foreach (var i in live)
            {
                Assert.Equal(data[i], await ReadAsync(volume, keys[i]));
            }

            Assert.All(gone, i => Assert.False(volume.Contains(keys[i])));
            Assert.Equal(live.Length, volume.Keys().Count());
        }
    }

    [Fact]
    public async Task Concurrent_stores_of_distinct_and_of_the_same_objects_all_read_back_across_a_restart()
    {
        // Packs of 64 KiB hold 14 records each: the stores also race the change of pack.
        var store = Open(64 * 1024);
        var distinct = Enumerable.Range(0, 32).Select(i => TestBytes.Random(4096, seed: i)).ToArray();
        var shared = TestBytes.Random(4096, seed: 1000);
        StoredKey sharedKey = Hash(shared);

        var stores = distinct.Select(d => Task.Run(() => StoreAsync(store, d)))
            .Concat(Enumerable.Range(0, 8).Select(_ => Task.Run(() => StoreAsync(store, shared))))
            .ToArray();
        var keys = await Task.WhenAll(stores);

        Assert.Equal(distinct.Select(Hash).Append(sharedKey).ToHashSet(), keys.ToHashSet());
        await AssertHeldAsync(store);

        store = Restart(store);

        await AssertHeldAsync(store);
        // What start counts live is what it indexed: one record per key however many copies the race left.
        Assert.Equal(33 * PackFile.RecordSize(RecordFileLength(4096)), store.PackUsage.LiveBytes);

        async Task AssertHeldAsync(LocalVolumeStore volume)
        {
            for (var i = 0; i < distinct.Length; i++)
            {
                Assert.Equal(distinct[i], await ReadAsync(volume, Hash(distinct[i])));
            }

            Assert.Equal(shared, await ReadAsync(volume, sharedKey));
            Assert.Equal(33, volume.Keys().Count());
            Assert.Single(volume.Keys(), k => k == sharedKey);
        }
    }

    [Fact]
    public async Task A_batch_of_small_items_goes_into_packs_and_reads_back_across_a_restart()
    {
        var store = Open();
        var small = TestBytes.Random(4096, seed: 1);
        var shard = TestBytes.Random(20_000, seed: 2);
        var shardKey = Hash(TestBytes.Random(10, seed: 3)) with { Shard = 4 };
        var empty = Array.Empty<byte>();

        var results = await store.StoreBatchAsync(Body((Hash(small), small), (shardKey, shard), (Hash(empty), empty)), CancellationToken.None);

        Assert.All(results, r => Assert.Equal(DataNodeProtocol.Status.Stored, r.Status));
        Assert.Empty(ObjectFiles());
        Assert.Equal(
            new[] { Hash(small).FileName, shardKey.FileName, Hash(empty).FileName }.Order(StringComparer.Ordinal),
            Records().Where(r => !r.Record.Dead).Select(r => r.Record.Key).Order(StringComparer.Ordinal));

        store = Restart(store);

        Assert.Equal(small, await ReadAsync(store, Hash(small)));
        Assert.Equal(shard, await ReadAsync(store, shardKey));
        Assert.True(store.Contains(Hash(empty)));
    }

    [Fact]
    public async Task A_batch_that_ends_inside_its_second_item_leaves_none_of_its_items_even_after_a_restart()
    {
        var store = Open();
        var first = TestBytes.Random(4096, seed: 1);
        var second = TestBytes.Random(4096, seed: 2);
        var body = Body((Hash(first), first), (Hash(second), second)).ToArray();

        await Assert.ThrowsAsync<StoreBatchFormatException>(() => store.StoreBatchAsync(new MemoryStream(body[..^100]), CancellationToken.None));

        Assert.False(store.Contains(Hash(first)));
        Assert.False(store.Contains(Hash(second)));
        // The first item was written into a pack before the body broke off: its record is dead, not merely unindexed.
        Assert.All(Records(), r => Assert.True(r.Record.Dead));

        store = Restart(store);

        Assert.False(store.Contains(Hash(first)));
        Assert.False(store.Contains(Hash(second)));
        Assert.Empty(store.Keys());
    }

    [Theory]
    [InlineData(64 * 1024, true)]
    [InlineData((64 * 1024) + 1, false)]
    [InlineData(100 * 1024, false)]
    public async Task Only_objects_of_at_most_the_packing_limit_go_into_packs(int size, bool packed)
    {
        var store = Open();
        var data = TestBytes.Random(size, seed: size);

        var key = await StoreAsync(store, data);

        Assert.Equal(packed, Records().Any(r => r.Record.Key == key.FileName && !r.Record.Dead));
        Assert.Equal(packed ? Array.Empty<string>() : [key.FileName], ObjectFiles().Select(Path.GetFileName));
        Assert.Equal(data, await ReadAsync(store, key));

        store = Restart(store);

        Assert.Equal(data, await ReadAsync(store, key));
    }

    [Fact]
    public async Task A_later_copy_of_a_record_whose_bytes_never_reached_the_disk_does_not_hide_the_intact_one()
    {
        // What a crash can leave behind a compaction's copy, or a second store of a key racing the first: a later record
        // of the key whose header reached the disk and whose bytes did not (never flushed, so never acknowledged). The
        // acknowledged record is still whole in its own pack and must stay the one served.
        var store = Open();
        var data = TestBytes.Random(4096, seed: 1);
        var key = await StoreAsync(store, data);
        store.Dispose();
        var original = LiveRecord(key);
        var copy = ReadRecordBytes(original.Path, original.Record);
        copy.AsSpan(PackFile.HeaderSize).Clear();
        File.WriteAllBytes(NextPackPath(), copy);

        store = Open();

        Assert.Equal(data, await ReadAsync(store, key));
    }

    [Fact]
    public async Task A_deleted_object_stays_deleted_after_a_restart_when_an_older_copy_of_its_record_is_still_on_disk()
    {
        // What a compaction cut off by a crash after its copies were flushed leaves: the record live in its old pack
        // (not removed yet) and live again in a later one. The later copy is the one a delete then marks dead, so the
        // older one must not come back at the next start.
        var store = Open();
        var data = TestBytes.Random(4096, seed: 1);
        var key = await StoreAsync(store, data);
        var other = TestBytes.Random(4096, seed: 2);
        var otherKey = await StoreAsync(store, other);
        store.Dispose();
        var original = LiveRecord(key);
        File.WriteAllBytes(NextPackPath(), ReadRecordBytes(original.Path, original.Record));
        store = Open();
        Assert.Equal(data, await ReadAsync(store, key));

        Assert.Equal(DeleteOutcome.Deleted, store.Delete(key));
        store = Restart(store);

        Assert.False(store.Contains(key));
        Assert.Equal(other, await ReadAsync(store, otherKey));
    }

    private LocalVolumeStore Open(long packFileBytes = OneMiB)
    {
        var store = new LocalVolumeStore(
            Options.Create(new DataNodeOptions { StorageRoot = _root.FullPath, PackFileBytes = packFileBytes }),
            TimeProvider.System,
            NullLogger<LocalVolumeStore>.Instance);
        _stores.Add(store);
        return store;
    }

    /// <summary>Closes <paramref name="store"/> and opens the volume again, as a node restarted cleanly does.</summary>
    private LocalVolumeStore Restart(LocalVolumeStore store)
    {
        store.Dispose();
        return Open();
    }

    private static StoredKey Hash(byte[] data) => ContentHash.FromBytes(SHA256.HashData(data));

    private static async Task<StoredKey> StoreAsync(LocalVolumeStore store, byte[] data)
    {
        var key = Hash(data);
        var written = await store.StoreAsync(key, new UploadStream(data), data.Length, CancellationToken.None);
        Assert.Equal((key.Hash, (long)data.Length), (written.Hash, written.Length));
        return key;
    }

    /// <summary>The object's bytes through a verified reader, whole or <paramref name="first"/>..<paramref name="last"/>.</summary>
    private static async Task<byte[]> ReadAsync(LocalVolumeStore store, StoredKey key, long first = 0, long? last = null)
    {
        await using var reader = store.OpenRead(key);
        Assert.NotNull(reader);
        await reader.StartAsync(new ByteRange(first, last ?? (reader.Length - 1)), CancellationToken.None);
        var copy = new MemoryStream();
        await reader.CopyToAsync(copy, CancellationToken.None);
        return copy.ToArray();
    }

    /// <summary>An object file's bytes for <paramref name="length"/> content bytes: content, one sum per block, footer.</summary>
    private static int RecordFileLength(int length) => length + (((length + DataNodeProtocol.BlockSize - 1) / DataNodeProtocol.BlockSize) * sizeof(ulong)) + 64;

    private string[] ObjectFiles() => Directory.GetFiles(_root.Combine("objects"));

    private string[] PackPaths()
    {
        var packs = _root.Combine("packs");
        return Directory.Exists(packs) ? [.. Directory.GetFiles(packs, "*.pack").Order(StringComparer.Ordinal)] : [];
    }

    /// <summary>A pack file after every one there, named as the volume names them.</summary>
    private string NextPackPath()
    {
        var last = PackPaths().Select(p => long.Parse(Path.GetFileNameWithoutExtension(p), CultureInfo.InvariantCulture)).DefaultIfEmpty().Max();
        return _root.Combine("packs", $"{last + 1:D10}.pack");
    }

    /// <summary>Every record of every pack, in pack and file order.</summary>
    private List<(string Path, PackRecord Record)> Records() =>
        [.. PackPaths().SelectMany(p => PackFile.Records(p).Select(r => (p, r)))];

    private (string Path, PackRecord Record) LiveRecord(StoredKey key) =>
        Assert.Single(Records(), r => r.Record.Key == key.FileName && !r.Record.Dead);

    private static byte[] ReadRecordBytes(string path, PackRecord record)
    {
        var bytes = new byte[PackFile.RecordSize(record.FileLength)];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        file.Position = record.Offset;
        file.ReadExactly(bytes);
        return bytes;
    }

    private static void WriteAt(string path, long offset, byte[] bytes)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        file.Position = offset;
        file.Write(bytes);
    }

    private static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ 0x01));
    }

    private static string Checksum(byte[] data)
    {
        var sums = new DataNodeProtocol.BlockChecksums();
        sums.Append(data);
        return sums.ToString();
    }

    /// <summary>A <see cref="DataNodeProtocol.StoreBatch"/> body, as <see cref="LocalVolumeStoreBatchTests"/> builds one.</summary>
    private static MemoryStream Body(params (StoredKey Key, byte[] Data)[] items)
    {
        var body = new MemoryStream();
        var count = new byte[DataNodeProtocol.StoreBatch.CountSize];
        DataNodeProtocol.StoreBatch.WriteCount(count, items.Length);
        body.Write(count);
        foreach (var (key, data) in items)
        {
            DataNodeProtocol.TryParseBlockChecksum(Checksum(data), out var sum);
            var header = new byte[DataNodeProtocol.StoreBatch.HeaderSize(key.FileName)];
            DataNodeProtocol.StoreBatch.WriteHeader(header, key.FileName, sum, data.Length);
            body.Write(header);
            body.Write(data);
        }

        body.Position = 0;
        return body;
    }
}
