using Microsoft.Extensions.Options;
using ObjectStore.Storage;
using ObjectStore.Storage.Objects;
using ObjectStore.Tests.Objects.Fakes;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Objects;

/// <summary>Writes while data nodes are down: never refused while the live ones can keep the data safe, never less safe than configured.</summary>
public sealed class DegradedWriteTests
{
    private const int Large = (1024 * 1024) + 1;

    [Theory]
    [InlineData(1, "rs-3-2")]
    [InlineData(2, "rs-2-2")]
    [InlineData(3, "rs-1-2")]
    public async Task With_nodes_down_a_large_object_is_a_narrower_stripe_over_the_live_ones(int down, string layout)
    {
        var store = new StoreUnderTest();
        foreach (var node in store.Nodes.All.Take(down).ToList())
        {
            store.Kill(node);
        }

        var data = TestBytes.Random(Large);
        var version = await store.PutAsync("big", data);

        Assert.Equal(layout, version.Layout);
        Assert.Equal(6 - down, store.Holders(version).Count);
        Assert.Equal(data, await store.GetAsync("big"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task An_object_written_with_nodes_down_survives_the_loss_of_two_more(int down)
    {
        var store = new StoreUnderTest();
        foreach (var node in store.Nodes.All.Take(down).ToList())
        {
            store.Kill(node);
        }

        var sizes = new[] { 0, 4096, Large, 3 * Large };
        var bodies = sizes.ToDictionary(s => s, s => TestBytes.Random(s, seed: s));
        foreach (var (size, body) in bodies)
        {
            await store.PutAsync($"o{size}", body);
        }

        // Any two of the nodes that took pieces: try every pair.
        var live = store.Nodes.All.Where(n => !n.Dead).ToList();
        for (var a = 0; a < live.Count; a++)
        {
            for (var b = a + 1; b < live.Count; b++)
            {
                live[a].Dead = live[b].Dead = true;
                foreach (var (size, body) in bodies)
                {
                    Assert.Equal(body, await store.GetAsync($"o{size}"));
                }

                live[a].Dead = live[b].Dead = false;
            }
        }
    }

    [Fact]
    public async Task Fewer_live_nodes_than_the_tolerance_plus_one_is_a_503_before_the_body_is_read()
    {
        var store = new StoreUnderTest(nodes: 3);
        store.Kill(store.Nodes.All.First());
        var body = new MemoryStream(TestBytes.Random(Large));

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PutAsync("x", body, Large));

        Assert.Contains("needs 3 live data nodes, 2 alive", error.Message);
        Assert.Equal(0, body.Position);
    }

    [Fact]
    public async Task A_node_refusing_a_large_put_with_no_spare_node_gives_a_narrower_stripe_not_a_503()
    {
        var store = new StoreUnderTest();
        var refusing = store.Nodes.All.First();
        refusing.Refuses = true;

        var version = await store.PutAsync("big", TestBytes.Random(Large));

        Assert.Equal("rs-3-2", version.Layout);
        Assert.Empty(refusing.Objects);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(128 * 1024)]
    public async Task A_small_put_whose_node_dies_mid_upload_is_stored_on_another_node(int size)
    {
        var store = new StoreUnderTest();
        var dying = store.Nodes.All.ToList();
        foreach (var node in dying.Take(3))
        {
            node.DiesAfterBytes = 1;
        }

        var data = TestBytes.Random(size);
        var version = await store.PutAsync("small", data);

        Assert.Equal("replica-3", version.Layout);
        var holders = store.Holders(version);
        Assert.Equal(3, holders.Count);
        Assert.All(holders, h => Assert.Null(h.DiesAfterBytes));
        Assert.Empty(store.Nodes.TempFiles());
        Assert.Equal(data, await store.GetAsync("small"));
    }

    [Fact]
    public async Task A_small_put_whose_node_corrupts_the_copy_is_stored_on_another_node()
    {
        var store = new StoreUnderTest();
        var corrupting = store.Nodes.All.Take(2).ToList();
        corrupting.ForEach(n => n.CorruptsUploads = true);

        var data = TestBytes.Random(4096);
        var version = await store.PutAsync("small", data);

        Assert.DoesNotContain(store.Holders(version), corrupting.Contains);
        Assert.Equal(3, store.Holders(version).Count);
    }

    [Fact]
    public async Task A_small_put_fails_only_when_no_three_distinct_nodes_take_a_copy()
    {
        var store = new StoreUnderTest(nodes: 4);
        foreach (var node in store.Nodes.All.Take(2))
        {
            node.DiesAfterBytes = 1;
        }

        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PutAsync("small", TestBytes.Random(4096)));
        Assert.Equal(0, store.Metadata.Appends);
    }

    [Fact]
    public void Nodes_busy_with_uploads_are_chosen_after_idle_ones()
    {
        var store = new StoreUnderTest(nodes: 9);

        using var first = store.Placement.Choose(3, 100);
        using var second = store.Placement.Choose(3, 100);
        using var third = store.Placement.Choose(3, 100);

        var all = first.Addresses.Concat(second.Addresses).Concat(third.Addresses).ToList();
        Assert.Equal(9, all.Distinct().Count());
    }

    [Fact]
    public void Copies_of_one_content_go_to_the_same_nodes_from_every_api_and_the_next_ranked_replaces_one_excluded()
    {
        var store = new StoreUnderTest(nodes: 9);
        var otherApi = new NodePlacement(store.Nodes.Registry, Options.Create(new ObjectStoreOptions()));
        var content = StoreUnderTest.HashOf(TestBytes.Random(100));

        using var first = store.Placement.ChooseFor(content, 3, 100);
        using var busy = store.Placement.Choose(9, 100);
        using var again = otherApi.ChooseFor(content, 3, 100);
        using var four = store.Placement.ChooseFor(content, 4, 100);
        using var without = store.Placement.ChooseFor(content, 3, 100, new HashSet<string> { first.Addresses[1] });

        Assert.Equal(first.Addresses, again.Addresses);
        Assert.Equal(first.Addresses, four.Addresses.Take(3));
        Assert.Equal([first.Addresses[0], first.Addresses[2], four.Addresses[3]], without.Addresses);
    }

    [Fact]
    public void Nodes_too_full_for_the_piece_are_chosen_last()
    {
        var store = new StoreUnderTest(nodes: 3);
        var full = store.Nodes.Add("10.0.0.99:7081", freeBytes: 1000);
        store.Nodes.Add("10.0.0.98:7081", freeBytes: 1L << 30);

        for (var i = 0; i < 20; i++)
        {
            using var choice = store.Placement.Choose(4, 4096);
            Assert.DoesNotContain(full.Address, choice.Addresses);
        }
    }

    [Fact]
    public async Task Small_puts_spread_over_all_nodes_when_more_are_alive_than_a_layout_needs()
    {
        var store = new StoreUnderTest(nodes: 12);

        for (var i = 0; i < 40; i++)
        {
            await store.PutAsync($"s{i}", TestBytes.Random(100, seed: i));
        }

        Assert.All(store.Nodes.All, n => Assert.NotEmpty(n.Objects));
    }

    [Fact]
    public async Task Repair_rebuilds_the_shard_of_a_node_lost_for_good_onto_one_that_holds_nothing_of_it()
    {
        var store = new StoreUnderTest(nodes: 7);
        var data = TestBytes.Random(3 * Large);
        var version = await store.PutAsync("big", data);
        var lost = store.Holders(version)[2];
        store.Kill(lost);

        var outcome = await store.Repairer.RepairAsync(new RepairRequest(version.Hash, version.Layout, version.Size, "test"), CancellationToken.None);

        Assert.Equal(ShardRepairer.Outcome.Repaired, outcome);
        Assert.Equal(6, store.Holders(version).Count(n => !n.Dead));
        foreach (var other in store.Holders(version).Where(n => !n.Dead).Take(2))
        {
            other.Dead = true;
        }

        Assert.Equal(data, await store.GetAsync("big"));
    }
}
