using System.Net;
using System.Text;
using ObjectStore.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace ObjectStore.IntegrationTests;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class MalformedMessageTests(InfraFixture infra)
{
    [Fact]
    public async Task Garbage_on_both_exchanges_is_dead_lettered_and_the_cluster_keeps_working()
    {
        await using var cluster = await TestCluster.StartAsync(infra, dataNodes: 3);
        var marker = Guid.NewGuid().ToString("N");
        var factory = new ConnectionFactory { Uri = new Uri(infra.RabbitMQConnection) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        string[] garbage = [$"not json {marker}", $"{{\"address\": 42, \"marker\": \"{marker}\"}}", $"{{\"hash\": \"../../{marker}\"}}", $"{{\"address\": \"bad address {marker}\"}}"];
        foreach (var exchange in new[] { cluster.HeartbeatExchange, cluster.LocateExchange })
        {
            foreach (var text in garbage)
            {
                await channel.BasicPublishAsync(exchange, string.Empty, Encoding.UTF8.GetBytes(text));
            }
        }

        // Every instance bound to an exchange dead-letters its copy: three nodes for locate, one Api for heartbeats.
        var poisoned = await Eventually.ReturnsAsync(
            async () => await DrainMarkedAsync(channel, ["RecordHeartbeat-poison", "Locate-poison"], marker),
            found => found.Count(f => f.Queue == "RecordHeartbeat-poison") >= 4 && found.Count(f => f.Queue == "Locate-poison") >= 12,
            TimeSpan.FromSeconds(20),
            "malformed messages in the poison queues");
        Assert.Equal(4, poisoned.Count(f => f.Queue == "RecordHeartbeat-poison"));
        Assert.Equal(12, poisoned.Count(f => f.Queue == "Locate-poison"));

        Assert.All(cluster.Apis.Concat(cluster.Nodes), p => Assert.True(p.IsRunning, $"{p.Name} died"));
        await cluster.WaitForNodesAsync(cluster.Nodes);
        var body = TestData.Bytes(1234, 61);
        await cluster.PutVersionAsync($"/objects/after-garbage-{marker}", body);
        Assert.Equal(body, await cluster.Client.GetByteArrayAsync($"/objects/after-garbage-{marker}"));
    }

    private readonly List<(string Queue, string Body)> _seen = [];

    /// <summary>Poison queues are shared by every cluster on the broker: count only this test's messages.</summary>
    private async Task<IReadOnlyList<(string Queue, string Body)>> DrainMarkedAsync(IChannel channel, string[] queues, string marker)
    {
        foreach (var queue in queues)
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
            {
                var text = Encoding.UTF8.GetString(message.Body.Span);
                if (text.Contains(marker, StringComparison.Ordinal))
                {
                    _seen.Add((queue, text));
                }
            }
        }

        return _seen.ToList();
    }
}
