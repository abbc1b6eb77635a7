using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Objects;
using ObjectStore.Tests.Objects.Fakes;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Objects;

public sealed class RepairScanTests
{
    // Seven nodes: with one gone, RS(4,2) still has a node to rebuild a shard on.
    private readonly StoreUnderTest _store = new(nodes: 7, configure: o => o.RepairScanLocatesPerSecond = int.MaxValue);

    private RepairScan NewScan() => NewScan(_store);

    private static RepairScan NewScan(StoreUnderTest store) => new(store.Metadata, store.Nodes, store.Repairer, store.Repairs, store.Nodes.Registry, store.Placement,
        Options.Create(store.Nodes.Options), store.Nodes.Time, NullLogger<RepairScan>.Instance);

    [Fact]
    public async Task A_scan_that_found_every_piece_is_not_run_again_until_a_node_restarts_finds_a_damaged_file_or_leaves()
    {
        await _store.PutAsync("coded", TestBytes.Random(300_000, 1));
        await _store.PutAsync("small", TestBytes.Random(1_000, 2));
        var scan = NewScan();

        var locates = await LocatesOfAsync(scan);
        Assert.Equal(2, locates); // one per content
        Assert.Equal(0, await LocatesOfAsync(scan));

        var node = _store.Nodes.All.First();
        node.Instance = "second"; // restarted: its disk may be new
        _store.Nodes.Beat(node);
        Assert.Equal(2, await LocatesOfAsync(scan));
        Assert.Equal(0, await LocatesOfAsync(scan));

        node.Quarantined++; // the scrub or a reader moved a damaged file aside
        _store.Nodes.Beat(node);
        Assert.Equal(2, await LocatesOfAsync(scan));
        Assert.Equal(0, await LocatesOfAsync(scan));

        _store.Kill(_store.Nodes.All.Last());
        Assert.Equal(2, await LocatesOfAsync(scan));
        Assert.Empty(_store.Bus.Repairs); // within the grace period
    }

    [Fact]
    public async Task Pieces_missing_keep_the_scan_running_until_they_are_rebuilt_and_a_quiet_store_is_still_scanned_now_and_then()
    {
        var version = await _store.PutAsync("coded", TestBytes.Random(300_000, 3));
        var scan = NewScan();
        var holder = _store.Holders(version).First();
        _store.Kill(holder);

        Assert.Equal(1, await LocatesOfAsync(scan));
        Assert.Empty(_store.Bus.Repairs);
        AdvanceWithHeartbeats(_store.Nodes.Options.RepairGracePeriod);
        Assert.Equal(1, await LocatesOfAsync(scan));
        Assert.Single(_store.Bus.Repairs);
        Assert.Equal(1, await LocatesOfAsync(scan)); // still missing: scanned again

        Assert.Equal(ShardRepairer.Outcome.Repaired, await _store.Repairer.RepairAsync(_store.Bus.Repairs.Single(), CancellationToken.None));
        Assert.Equal(1, await LocatesOfAsync(scan));
        Assert.Equal(0, await LocatesOfAsync(scan));

        AdvanceWithHeartbeats(_store.Nodes.Options.RepairRescanInterval);
        Assert.Equal(1, await LocatesOfAsync(scan));
    }

    [Fact]
    public async Task With_content_records_a_scan_merges_node_listings_page_by_page_and_asks_no_locate()
    {
        // Pages of three keys: each listing spans several pages and contents.
        var store = new StoreUnderTest(nodes: 7, configure: o => o.SweepPageSize = 3, tracksContent: true);
        var versions = new List<Storage.Metadata.ObjectVersion>();
        for (var i = 0; i < 12; i++)
        {
            versions.Add(await store.PutAsync($"object-{i}", TestBytes.Random(i % 2 == 0 ? 300_000 : 1_000, 10 + i)));
        }

        // Bytes no record knows (a PUT that crashed before its commit) sit between the others: they are not this scan's.
        store.Nodes.All.First().Objects[new string('0', 64)] = [1, 2, 3];
        var scan = NewScan(store);
        var listings = store.Nodes.Listings;
        Assert.Equal(0, await scan.RunAsync(CancellationToken.None));
        Assert.Equal(0, store.Nodes.Locates);
        Assert.InRange(store.Nodes.Listings - listings, 7, 7 * 12);
        Assert.Equal(0, await RunAsync(store, scan)); // skipped: nothing changed

        // A shard of one coded content and a copy of one small one vanish behind their nodes' backs.
        var coded = store.Holders(versions[4])[0];
        var small = store.Holders(versions[7])[1];
        Assert.True(coded.Objects.TryRemove(coded.Objects.Keys.Single(k => k.StartsWith(StorageId(versions[4]), StringComparison.Ordinal)), out _));
        Assert.True(small.Objects.TryRemove(StorageId(versions[7]), out _));
        store.Nodes.Time.Advance(store.Nodes.Options.RepairRescanInterval);
        Beat(store);
        Assert.Equal(0, await scan.RunAsync(CancellationToken.None)); // within the grace period
        store.Nodes.Time.Advance(store.Nodes.Options.RepairGracePeriod);
        Beat(store);
        Assert.Equal(2, await scan.RunAsync(CancellationToken.None));
        Assert.Equal(new[] { versions[4].Hash, versions[7].Hash }.Order(StringComparer.Ordinal), store.Bus.Repairs.Select(r => r.Hash).Order(StringComparer.Ordinal));
        Assert.Equal(0, store.Nodes.Locates);

        foreach (var request in store.Bus.Repairs.ToList())
        {
            Assert.Equal(ShardRepairer.Outcome.Repaired, await store.Repairer.RepairAsync(request, CancellationToken.None));
        }

        Assert.Equal(0, await scan.RunAsync(CancellationToken.None));
        Assert.Equal(0, await RunAsync(store, scan)); // whole again: skipped
    }

    [Fact]
    public async Task A_node_that_cannot_list_stops_the_scan_without_suspecting_anything_and_the_next_run_scans_again()
    {
        var store = new StoreUnderTest(nodes: 7, configure: o => o.SweepPageSize = 2, tracksContent: true);
        for (var i = 0; i < 6; i++)
        {
            await store.PutAsync($"object-{i}", TestBytes.Random(300_000, 30 + i));
        }

        var scan = NewScan(store);
        var node = store.Nodes.All.First();
        node.Refuses = true; // alive by its heartbeats, but its listing fails
        store.Nodes.Time.Advance(store.Nodes.Options.RepairGracePeriod * 2);
        Beat(store);
        Assert.Equal(0, await scan.RunAsync(CancellationToken.None));
        Assert.Equal(0, await scan.RunAsync(CancellationToken.None));
        Assert.Empty(store.Bus.Repairs);

        node.Refuses = false;
        var before = store.Nodes.Listings;
        Assert.Equal(0, await scan.RunAsync(CancellationToken.None));
        Assert.True(store.Nodes.Listings > before, "after a failed listing the next run scans again");
        Assert.Empty(store.Bus.Repairs);
    }

    [Fact]
    public async Task Surplus_copies_are_deleted_after_the_grace_period_and_the_holders_the_content_ranks_highest_keep_theirs()
    {
        var store = new StoreUnderTest(nodes: 7, configure: o => o.SweepPageSize = 2, tracksContent: true);
        var extra = TestBytes.Random(1_000, 40);
        var short1 = TestBytes.Random(1_000, 41);
        var surplus = await store.PutAsync("extra", extra);
        var shortOfRanked = await store.PutAsync("short", short1);
        var coded = await store.PutAsync("coded", TestBytes.Random(300_000, 42));

        // "extra": a fourth copy beside its three ranked ones (stored before copies were placed by rank).
        var extraId = StorageId(surplus);
        var extraHolders = store.Holders(surplus);
        var stray = store.Nodes.All.First(n => !extraHolders.Contains(n));
        stray.Objects[extraId] = extra;
        stray.Written[extraId] = store.Nodes.Time.GetUtcNow();

        // "short": one ranked node lost its copy and two others hold one (stored or repaired while it was down): four
        // copies, of which the three best-ranked holders keep theirs.
        var shortId = StorageId(shortOfRanked);
        var shortHolders = store.Holders(shortOfRanked);
        Assert.True(shortHolders[0].Objects.TryRemove(shortId, out _));
        var strays = store.Nodes.All.Where(n => !shortHolders.Contains(n)).Take(2).ToList();
        foreach (var node in strays)
        {
            node.Objects[shortId] = short1;
            node.Written[shortId] = store.Nodes.Time.GetUtcNow();
        }

        var rank = store.Placement.RankFor(StoreUnderTest.HashOf(short1), int.MaxValue, short1.Length).ToList();
        var worstStray = strays.OrderBy(n => rank.IndexOf(n.Address)).Last();

        var scan = NewScan(store);
        Assert.Equal(0, await scan.RunAsync(CancellationToken.None));
        Assert.True(stray.Objects.ContainsKey(extraId), "within the grace period a surplus copy stays");

        store.Nodes.Time.Advance(store.Nodes.Options.RepairGracePeriod);
        Beat(store);
        Assert.Equal(0, await scan.RunAsync(CancellationToken.None));
        Assert.False(stray.Objects.ContainsKey(extraId));
        Assert.Equal(extraHolders.Select(n => n.Address).Order(StringComparer.Ordinal), store.Holders(surplus).Select(n => n.Address).Order(StringComparer.Ordinal));
        Assert.Equal(extra, await store.GetAsync("extra"));
        Assert.Equal(3, store.Nodes.All.Count(n => n.Objects.ContainsKey(shortId)));
        Assert.False(worstStray.Objects.ContainsKey(shortId), "the stray the content ranks lower is the one deleted");
        Assert.All(shortHolders.Skip(1), n => Assert.True(n.Objects.ContainsKey(shortId), "ranked holders keep their copies"));
        Assert.Equal(short1, await store.GetAsync("short"));
        Assert.Equal(6, store.Nodes.All.Sum(n => n.Objects.Keys.Count(k => k.StartsWith(StorageId(coded), StringComparison.Ordinal))));
        Assert.Empty(store.Bus.Repairs);
    }

    private static string StorageId(Storage.Metadata.ObjectVersion version) =>
        Storage.Objects.ObjectLayout.Parse(version.Layout).StorageId(Storage.Naming.ContentHash.TryParse(version.Hash, out var hash) ? hash : throw new ArgumentException(version.Hash)).Hex;

    private static void Beat(StoreUnderTest store)
    {
        foreach (var node in store.Nodes.All.Where(n => !n.Dead))
        {
            store.Nodes.Beat(node);
        }
    }

    /// <summary>Pages listed by one run.</summary>
    private static async Task<int> RunAsync(StoreUnderTest store, RepairScan scan)
    {
        var before = store.Nodes.Listings;
        await scan.RunAsync(CancellationToken.None);
        return store.Nodes.Listings - before;
    }

    private async Task<int> LocatesOfAsync(RepairScan scan)
    {
        var before = _store.Nodes.Locates;
        await scan.RunAsync(CancellationToken.None);
        return _store.Nodes.Locates - before;
    }

    private void AdvanceWithHeartbeats(TimeSpan time)
    {
        _store.Nodes.Time.Advance(time);
        foreach (var node in _store.Nodes.All.Where(n => !n.Dead))
        {
            _store.Nodes.Beat(node);
        }
    }
}
