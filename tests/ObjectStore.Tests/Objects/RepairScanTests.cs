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

    private RepairScan NewScan() => new(_store.Metadata, _store.Repairer, _store.Repairs, _store.Nodes.Registry,
        Options.Create(_store.Nodes.Options), _store.Nodes.Time, NullLogger<RepairScan>.Instance);

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
    public async Task Pieces_missing_keep_the_scan_running_until_they_are_rebuilt_and_a_quiet_store_is_still_scanned_daily()
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
