using System.Net;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NodeMembershipTests(InfraFixture infra)
{
    [Fact]
    public async Task A_killed_node_leaves_the_live_set_puts_go_on_and_it_returns_when_restarted()
    {
        // Four nodes, so that RS(2,1) still finds the three it needs once one is dead.
        await using var cluster = await TestCluster.StartAsync(infra, dataNodes: 4);
        var victim = cluster.Nodes[1];
        await victim.KillAsync();

        // Right after the kill the Api still believes in the node; PUTs must not fail because of it.
        for (var i = 0; i < 10; i++)
        {
            var body = TestData.Bytes(i % 2 == 0 ? 2000 : 300_000, 500 + i);
            var name = $"after-kill-{i}-{Guid.NewGuid():N}";
            await cluster.PutVersionAsync($"/objects/{name}", body);
            Assert.Equal(body, await cluster.Client.GetByteArrayAsync($"/objects/{name}"));
        }

        await cluster.WaitForNodesAsync(cluster.Nodes.Where(n => n != victim), timeout: TimeSpan.FromSeconds(15));

        await victim.StartAsync();
        await cluster.WaitForNodesAsync(cluster.Nodes, timeout: TimeSpan.FromSeconds(15));
    }
}

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class InfrastructureOutageTests(InfraFixture infra)
{
    [Fact]
    public async Task After_a_broker_restart_heartbeats_and_locate_recover_by_themselves()
    {
        await using var cluster = await TestCluster.StartAsync(infra, dataNodes: 3);
        var name = $"broker-{Guid.NewGuid():N}";
        // Erasure coded (over 128 KiB), so never in the Api's content cache: reading it needs the nodes located.
        var body = TestData.Bytes(200 * 1024, 41);
        await cluster.PutVersionAsync($"/objects/{name}", body);
        var small = TestData.Bytes(4096, 42);
        await cluster.PutVersionAsync($"/objects/{name}-small", small);

        await infra.StopRabbitMQAsync();
        try
        {
            // Without the bus nothing can be located: a clear 503, not a hang or a crash.
            var whileDown = await Eventually.ReturnsAsync(
                () => cluster.Client.GetAsync($"/objects/{name}"),
                r => r.StatusCode == HttpStatusCode.ServiceUnavailable,
                TimeSpan.FromSeconds(20),
                "GET answering 503 while RabbitMQ is down");
            Assert.Contains("error", await whileDown.Content.ReadAsStringAsync());
            // A small object the Api holds in its content cache (immutable under its hash) is still served.
            Assert.Equal(small, await cluster.Client.GetByteArrayAsync($"/objects/{name}-small"));
        }
        finally
        {
            await infra.StartRabbitMQAsync();
        }

        await cluster.WaitForNodesAsync(cluster.Nodes, timeout: TimeSpan.FromSeconds(30));
        await Eventually.ReturnsAsync(
            () => cluster.Client.GetAsync($"/objects/{name}"),
            r => r.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30),
            "GET working again after RabbitMQ restarted");
        Assert.Equal(body, await cluster.Client.GetByteArrayAsync($"/objects/{name}"));
        Assert.All(cluster.Apis.Concat(cluster.Nodes), p => Assert.True(p.IsRunning, $"{p.Name} died"));
    }

    [Fact]
    public async Task While_azurite_is_down_requests_get_503_and_afterwards_no_half_written_version_exists()
    {
        // Object metadata lives in Azurite only with the Blob store; the etcd store's outage is EtcdFaultTests'.
        await using var cluster = await TestCluster.StartAsync(infra, dataNodes: 3, settings: new Dictionary<string, string> { ["ObjectStore__MetadataStore"] = "blob" });
        var name = $"azurite-{Guid.NewGuid():N}";
        var before = TestData.Bytes(3000, 51);
        await cluster.PutVersionAsync($"/objects/{name}", before);

        await infra.StopAzuriteAsync();
        try
        {
            using var put = await cluster.Client.PutAsync($"/objects/{name}", new ByteArrayContent(TestData.Bytes(3000, 52)));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
            Assert.Contains("metadata store unavailable", await put.Content.ReadAsStringAsync());
            using var get = await cluster.Client.GetAsync($"/objects/{name}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, get.StatusCode);
        }
        finally
        {
            await infra.StartAzuriteAsync();
        }

        var after = TestData.Bytes(3000, 53);
        await Eventually.ReturnsAsync(
            () => cluster.Client.GetAsync($"/objects/{name}"),
            r => r.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20),
            "GET working again after Azurite restarted");
        Assert.Equal(2, await cluster.PutVersionAsync($"/objects/{name}", after));
        Assert.Equal(before, await cluster.Client.GetByteArrayAsync($"/objects/{name}?version=1"));
        Assert.Equal(after, await cluster.Client.GetByteArrayAsync($"/objects/{name}"));
    }
}
