using ObjectStore.Storage.Objects;
using ObjectStore.Tests.Objects.Fakes;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Objects;

public sealed class ObjectReaderTests
{
    private const int Large = (3 * 1024 * 1024) + 17;

    [Fact]
    public async Task A_copy_that_cannot_be_served_is_skipped_for_another_and_repaired()
    {
        var store = new StoreUnderTest();
        var data = TestBytes.Random(4096);
        var version = await store.PutAsync("a", data);
        var holders = store.Nodes.All.Where(n => n.Objects.Count > 0).ToList();
        holders[0].QuarantinesOnRead = true;
        holders[1].QuarantinesOnRead = true;

        Assert.Equal(data, await store.GetAsync("a"));
        var repair = Assert.Single(store.Bus.Repairs);
        Assert.Equal(version.Hash, repair.Hash);
        Assert.Equal("replica-3", repair.Layout);
    }

    [Fact]
    public async Task A_small_object_read_again_comes_from_the_api_memory_and_a_range_of_it_too()
    {
        var store = new StoreUnderTest(configure: o => o.ReadCacheBytes = 1024 * 1024);
        var data = TestBytes.Random(4096);
        await store.PutAsync("a", data);

        Assert.Equal(data, await store.GetAsync("a"));
        Assert.Equal(data[10..20], await store.GetAsync("a", new ByteRange(10, 19)));

        Assert.Equal(0, store.Nodes.All.Sum(n => n.Reads));
    }

    [Fact]
    public async Task A_copy_with_wrong_bytes_is_neither_served_nor_cached_and_is_repaired()
    {
        var store = new StoreUnderTest(configure: o => o.ReadCacheBytes = 1024 * 1024);
        var data = TestBytes.Random(4096);
        var version = await store.PutAsync("a", data);
        var fresh = new StoreUnderTest(configure: o => o.ReadCacheBytes = 1024 * 1024);
        foreach (var node in store.Nodes.All.Where(n => n.Objects.Count > 0).Take(2))
        {
            node.ServesWrongBytes = true;
        }

        // A second Api (empty cache) over the same nodes and metadata.
        var reader = new ObjectReader(store.Metadata, store.Nodes, store.Nodes, new ErasureCodecs(), fresh.Cache, store.Repairs, Microsoft.Extensions.Logging.Abstractions.NullLogger<ObjectReader>.Instance);
        await using (var source = await reader.OpenAsync(version, null, CancellationToken.None))
        {
            var output = new MemoryStream();
            await source.CopyToAsync(output, 4096, CancellationToken.None);
            Assert.Equal(data, output.ToArray());
        }

        Assert.True(fresh.Cache.TryGet(version.Hash, out var cached));
        Assert.Equal(data, cached.ToArray());
        Assert.Contains(store.Bus.Repairs, r => r.Hash == version.Hash);
    }

    [Fact]
    public async Task No_intact_copy_anywhere_is_unavailable()
    {
        var store = new StoreUnderTest();
        await store.PutAsync("a", TestBytes.Random(4096));
        foreach (var node in store.Nodes.All)
        {
            node.Objects.Clear();
        }

        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetAsync("a"));
    }

    [Fact]
    public async Task A_missing_data_shard_is_decoded_from_parity_and_repaired()
    {
        var store = new StoreUnderTest();
        var data = TestBytes.Random(Large);
        await store.PutAsync("big", data);
        var holderOfShard1 = store.Nodes.All.Single(n => n.Objects.Keys.Any(k => k.EndsWith(".1", StringComparison.Ordinal)));
        holderOfShard1.Dead = true;

        Assert.Equal(data, await store.GetAsync("big"));
        Assert.Contains(store.Bus.Repairs, r => r.Reason.Contains("shard 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_data_shards_are_asked_for_at_once_and_a_missing_one_is_replaced_by_parity()
    {
        var store = new StoreUnderTest();
        var data = TestBytes.Random(Large);
        await store.PutAsync("big", data);
        // Located, but its read fails: a node that died and has not expired yet.
        store.Nodes.All.Single(n => n.Objects.Keys.Any(k => k.EndsWith(".2", StringComparison.Ordinal))).Refuses = true;

        // No read is answered until the reads of all four data shards have started: one after another they would not.
        var started = 0;
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Nodes.BeforeRead = async key =>
        {
            if (key.Shard < 4 && Interlocked.Increment(ref started) == 4)
            {
                allStarted.TrySetResult();
            }

            await allStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        };

        Assert.Equal(data, await store.GetAsync("big"));
        Assert.Contains(store.Bus.Repairs, r => r.Reason.Contains("shard 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_shard_stream_cut_midway_switches_to_parity_and_the_bytes_stay_right()
    {
        var store = new StoreUnderTest();
        var data = TestBytes.Random(Large);
        await store.PutAsync("big", data);
        var holderOfShard0 = store.Nodes.All.Single(n => n.Objects.Keys.Any(k => k.EndsWith(".0", StringComparison.Ordinal)));
        holderOfShard0.CutsReadsAfterBytes = (9 * 64 * 1024) + 100;

        Assert.Equal(data, await store.GetAsync("big"));
        Assert.Contains(store.Bus.Repairs, r => r.Reason.Contains("shard 0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_lost_shards_are_survived_and_a_third_is_not()
    {
        var store = new StoreUnderTest();
        var data = TestBytes.Random(Large);
        await store.PutAsync("big", data);
        var nodes = store.Nodes.All.Where(n => n.Objects.Count > 0).ToList();
        nodes[0].Dead = true;
        nodes[3].Dead = true;

        Assert.Equal(data, await store.GetAsync("big"));

        nodes[5].Dead = true;
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetAsync("big"));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(65_530, 65_540)]
    [InlineData(262_143, 262_144)]
    [InlineData(1_000_000, Large - 1)]
    public async Task A_range_across_cells_and_stripes_is_exact(long first, long last)
    {
        var store = new StoreUnderTest();
        var data = TestBytes.Random(Large);
        await store.PutAsync("big", data);
        store.Nodes.All.First(n => n.Objects.Keys.Any(k => k.EndsWith(".2", StringComparison.Ordinal))).Dead = true;

        var bytes = await store.GetAsync("big", new ByteRange(first, last));

        Assert.Equal(data.AsSpan((int)first, (int)(last - first + 1)).ToArray(), bytes);
    }

    [Fact]
    public async Task A_range_of_a_whole_copy_is_exact()
    {
        var store = new StoreUnderTest();
        var data = TestBytes.Random(5000);
        await store.PutAsync("a", data);

        Assert.Equal(data[100..201], await store.GetAsync("a", new ByteRange(100, 200)));
    }

    [Fact]
    public async Task Unknown_names_versions_and_delete_markers_are_not_found()
    {
        var store = new StoreUnderTest();
        await store.PutAsync("a", [1, 2, 3]);
        await store.Writer.DeleteAsync(StoreUnderTest.Name("a"), CancellationToken.None);

        await Assert.ThrowsAsync<ObjectNotFoundException>(() => store.Reader.GetVersionAsync(StoreUnderTest.Name("nope"), null, CancellationToken.None));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => store.Reader.GetVersionAsync(StoreUnderTest.Name("a"), 7, CancellationToken.None));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => store.Reader.GetVersionAsync(StoreUnderTest.Name("a"), 2, CancellationToken.None));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => store.Reader.ListVersionsAsync(StoreUnderTest.Name("nope"), CancellationToken.None));
        Assert.Equal(2, (await store.Reader.ListVersionsAsync(StoreUnderTest.Name("a"), CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Locate_lists_every_shard_with_its_node()
    {
        var store = new StoreUnderTest();
        await store.PutAsync("big", TestBytes.Random(Large));

        var location = await store.Reader.LocateAsync(StoreUnderTest.Name("big"), null, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 6), location.Shards.Select(s => s.Shard));
        Assert.Equal(6, location.Shards.Select(s => s.Address).Distinct().Count());
    }
}
