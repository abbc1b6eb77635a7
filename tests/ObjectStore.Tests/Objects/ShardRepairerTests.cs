using ObjectStore.Storage.Objects;
using ObjectStore.Tests.Objects.Fakes;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Objects;

/// <summary>
/// Repairs of small pieces store them in one request per target (a data node packs those as it packs a PUT's), larger
/// ones stream through temp uploads; either way what was rebuilt serves the object with its other holders gone.
/// </summary>
public sealed class ShardRepairerTests
{
    // Seven nodes: with one gone, RS(4,2) still has a node to rebuild a shard on.
    private readonly StoreUnderTest _store = new(nodes: 7);

    [Fact]
    public async Task A_lost_copy_of_a_small_object_is_stored_again_in_one_request_and_serves_alone()
    {
        var data = TestBytes.Random(10_000, 1);
        var version = await _store.PutAsync("small", data);
        Assert.Equal("replica-3", version.Layout);
        _store.Kill(_store.Holders(version)[0]);
        var before = Counts();

        Assert.Equal(ShardRepairer.Outcome.Repaired, await RepairAsync(version));

        var holders = _store.Holders(version).Where(n => !n.Dead).ToList();
        Assert.Equal(3, holders.Count);
        var target = holders.Single(n => before[n.Address].OneRequestStores == n.OneRequestStores - 1);
        Assert.Empty(_store.Nodes.TempFiles());
        Assert.Equal(before.Sum(b => b.Value.Uploads) + 1, Counts().Sum(c => c.Value.Uploads)); // one store, no temp upload
        foreach (var other in holders.Where(n => n != target))
        {
            other.Dead = true;
        }

        Assert.Equal(data, await _store.GetAsync("small"));
    }

    [Fact]
    public async Task A_lost_shard_of_a_small_coded_object_is_rebuilt_in_one_request_and_serves_with_two_others_gone()
    {
        var data = TestBytes.Random(300_000, 2); // two stripes: 128 KiB shards
        var version = await _store.PutAsync("coded", data);
        Assert.Equal("rs-4-2", version.Layout);
        _store.Kill(_store.Holders(version)[1]);
        var before = Counts();

        Assert.Equal(ShardRepairer.Outcome.Repaired, await RepairAsync(version));

        var after = Counts();
        Assert.Equal(before.Sum(b => b.Value.OneRequestStores) + 1, after.Sum(a => a.Value.OneRequestStores));
        Assert.Equal(before.Sum(b => b.Value.Uploads) + 1, after.Sum(a => a.Value.Uploads));
        Assert.Equal(6, _store.Holders(version).Count(n => !n.Dead));
        foreach (var other in _store.Holders(version).Where(n => !n.Dead).Take(2))
        {
            other.Dead = true;
        }

        Assert.Equal(data, await _store.GetAsync("coded"));
    }

    [Fact]
    public async Task A_large_shard_streams_through_a_temp_upload()
    {
        var data = TestBytes.Random((1024 * 1024) + 1, 3); // five stripes: 320 KiB shards, over the one-request limit
        var version = await _store.PutAsync("large", data);
        _store.Kill(_store.Holders(version)[0]);
        var before = Counts();

        Assert.Equal(ShardRepairer.Outcome.Repaired, await RepairAsync(version));

        var after = Counts();
        Assert.Equal(before.Sum(b => b.Value.OneRequestStores), after.Sum(a => a.Value.OneRequestStores));
        Assert.Equal(before.Sum(b => b.Value.Uploads) + 1, after.Sum(a => a.Value.Uploads));
        Assert.Equal(6, _store.Holders(version).Count(n => !n.Dead));
        Assert.Equal(data, await _store.GetAsync("large"));
    }

    [Theory]
    [InlineData(20_000)] // stored in one request
    [InlineData(300_000)] // streamed through a temp upload
    public async Task A_holder_that_cuts_its_stream_is_passed_over_for_another(int size)
    {
        var store = new StoreUnderTest(nodes: 7, configure: o => o.ReplicateUpToBytes = 512 * 1024);
        var data = TestBytes.Random(size, 4);
        var version = await store.PutAsync("small", data);
        Assert.Equal("replica-3", version.Layout);
        var holders = store.Holders(version);
        store.Kill(holders[0]);
        var (replies, _) = await store.Repairer.InspectAsync(StoreUnderTest.HashOf(data), ObjectLayout.Parse(version.Layout), CancellationToken.None);
        var readFirst = store.Nodes[replies.First(r => r.Found).Address];
        readFirst.CutsReadsAfterBytes = 5_000;

        Assert.Equal(ShardRepairer.Outcome.Repaired, await store.Repairer.RepairAsync(new RepairRequest(version.Hash, version.Layout, version.Size, "test"), CancellationToken.None));

        Assert.Equal(1, readFirst.Reads);
        readFirst.CutsReadsAfterBytes = null;
        var restored = store.Holders(version).Where(n => !n.Dead).Except(holders).Single();
        Assert.Equal(data, restored.Objects[version.Hash]);
        Assert.Empty(store.Nodes.TempFiles());
    }

    [Fact]
    public async Task A_target_that_fails_fails_the_repair_so_it_is_tried_again_and_then_completes()
    {
        var data = TestBytes.Random(10_000, 5);
        var version = await _store.PutAsync("small", data);
        var holders = _store.Holders(version);
        _store.Kill(holders[0]);
        foreach (var node in _store.Nodes.All.Where(n => !n.Dead).Except(holders))
        {
            node.Refuses = true;
        }

        await Assert.ThrowsAsync<Storage.Cluster.DataNodeException>(() => RepairAsync(version));

        foreach (var node in _store.Nodes.All)
        {
            node.Refuses = false;
        }

        Assert.Equal(ShardRepairer.Outcome.Repaired, await RepairAsync(version));
        Assert.Equal(3, _store.Holders(version).Count(n => !n.Dead));
    }

    private Task<ShardRepairer.Outcome> RepairAsync(Storage.Metadata.ObjectVersion version) =>
        _store.Repairer.RepairAsync(new RepairRequest(version.Hash, version.Layout, version.Size, "test"), CancellationToken.None);

    private Dictionary<string, (int OneRequestStores, int Uploads)> Counts() =>
        _store.Nodes.All.ToDictionary(n => n.Address, n => (n.OneRequestStores, n.UploadsStarted));
}
