using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ObjectStore.Storage;
using ObjectStore.Storage.Cluster;

namespace ObjectStore.Tests.Cluster;

public sealed class NodeRegistryTests
{
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly NodeRegistry _registry;
    private readonly List<string> _expired = [];

    public NodeRegistryTests()
    {
        _registry = new NodeRegistry(_time, Options.Create(new ObjectStoreOptions { NodeExpiry = Expiry }), NullLogger<NodeRegistry>.Instance);
        _registry.NodeExpired += _expired.Add;
    }

    private void Beat(string address, long freeBytes = 1000) =>
        _registry.Record(new Heartbeat(address, freeBytes, _time.GetUtcNow()));

    [Fact]
    public void A_node_is_live_right_after_its_heartbeat()
    {
        Beat("10.0.0.1:7081", freeBytes: 123);

        var node = Assert.Single(_registry.LiveNodes());
        Assert.Equal(new DataNodeInfo("10.0.0.1:7081", _time.GetUtcNow(), 123), node);
    }

    [Fact]
    public void Liveness_counts_from_when_the_heartbeat_arrived_not_from_the_senders_clock()
    {
        _registry.Record(new Heartbeat("10.0.0.1:7081", 1, _time.GetUtcNow() - TimeSpan.FromHours(1)));

        Assert.Single(_registry.LiveNodes());
    }

    [Fact]
    public void A_node_stays_live_for_the_whole_expiry_period()
    {
        Beat("10.0.0.1:7081");

        _time.Advance(Expiry);

        Assert.Single(_registry.LiveNodes());
    }

    [Fact]
    public void A_node_is_not_live_once_the_expiry_has_passed_even_without_a_sweep()
    {
        Beat("10.0.0.1:7081");

        _time.Advance(Expiry + TimeSpan.FromMilliseconds(1));

        Assert.Empty(_registry.LiveNodes());
        Assert.Empty(_expired);
    }

    [Fact]
    public void The_sweep_removes_a_dead_node_and_raises_NodeExpired_exactly_once()
    {
        Beat("10.0.0.1:7081");
        Beat("10.0.0.2:7081");
        _time.Advance(TimeSpan.FromSeconds(6));
        Beat("10.0.0.2:7081");
        _time.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal(["10.0.0.1:7081"], _registry.ExpireDeadNodes());
        Assert.Empty(_registry.ExpireDeadNodes());
        Assert.Equal(["10.0.0.1:7081"], _expired);
        Assert.Equal(["10.0.0.2:7081"], _registry.LiveNodes().Select(n => n.Address));
    }

    [Fact]
    public void The_sweep_leaves_live_nodes_alone()
    {
        Beat("10.0.0.1:7081");

        Assert.Empty(_registry.ExpireDeadNodes());
        Assert.Single(_registry.LiveNodes());
        Assert.Empty(_expired);
    }

    [Fact]
    public void A_new_heartbeat_brings_an_expired_node_back()
    {
        Beat("10.0.0.1:7081");
        _time.Advance(Expiry * 2);
        _registry.ExpireDeadNodes();

        Beat("10.0.0.1:7081", freeBytes: 77);

        var node = Assert.Single(_registry.LiveNodes());
        Assert.Equal(77, node.FreeBytes);
        Assert.Equal(_time.GetUtcNow(), node.LastHeartbeat);
    }

    [Fact]
    public void The_volume_a_heartbeat_names_is_listed_and_an_older_node_without_one_is_still_heard()
    {
        _registry.Record(new Heartbeat("10.0.0.1:7081", 5, _time.GetUtcNow(), "host-a/254:0"));
        _registry.Record(System.Text.Json.JsonSerializer.Deserialize(
            """{"address":"10.0.0.2:7081","freeBytes":6,"sentAt":"2026-11-30T00:00:00Z"}""", ClusterJson.Default.Heartbeat)!);

        Assert.Equal(["host-a/254:0", null], _registry.LiveNodes().Select(n => n.Volume));
    }

    [Fact]
    public void A_suspected_node_is_dropped_at_once_until_its_next_heartbeat()
    {
        Beat("10.0.0.1:7081");
        Beat("10.0.0.2:7081");

        _registry.Suspect("10.0.0.1:7081");

        Assert.Equal(["10.0.0.2:7081"], _registry.LiveNodes().Select(n => n.Address));
        Assert.Equal(["10.0.0.1:7081"], _expired);

        Beat("10.0.0.1:7081");
        Assert.Equal(2, _registry.LiveNodes().Count);
    }

    [Fact]
    public void Suspecting_an_unknown_node_raises_nothing()
    {
        _registry.Suspect("10.0.0.9:7081");

        Assert.Empty(_expired);
    }

    [Fact]
    public void Live_nodes_are_listed_in_address_order()
    {
        Beat("b:2");
        Beat("c:3");
        Beat("a:1");

        Assert.Equal(["a:1", "b:2", "c:3"], _registry.LiveNodes().Select(n => n.Address));
    }
}
