using System.Net;
using System.Text.Json;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests;

/// <summary>
/// Issue 11 through the system a user starts: <c>./run</c>'s real processes, six data nodes, RS(4,2), data nodes
/// SIGKILLed. Every PUT succeeds with one or two nodes down, every object is back at full redundancy once they return,
/// and then survives two more losses.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class DeadNodeWriteTests(InfraFixture infra)
{
    private static readonly int[] Sizes = [0, 4096, (1024 * 1024) + 1, 64 * 1024 * 1024];

    private static readonly TimeSpan RepairPeriod = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Puts_succeed_with_nodes_down_and_every_object_is_back_at_full_redundancy_once_they_return(int down)
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        var state = Path.Combine(Path.GetTempPath(), $"objectstore-run-{id}");
        var environment = new Dictionary<string, string>
        {
            ["RabbitMQConnection"] = infra.RabbitMQConnection,
            ["AzureWebJobsStorage"] = infra.AzureWebJobsStorage,
            ["EtcdEndpoints"] = infra.EtcdEndpoints,
            ["ObjectStore__HeartbeatExchange"] = $"apiServers-{id}",
            ["ObjectStore__LocateExchange"] = $"dataServers-{id}",
            ["ObjectStore__MetadataExchange"] = $"apiMetadata-{id}",
            ["ObjectStore__MetadataContainer"] = $"meta-{id}",
            ["ObjectStore__RepairQueue"] = $"repairs-{id}",
            ["ObjectStore__EtcdPrefix"] = $"run-{id}",
            ["AzureFunctionsJobHost__id"] = $"run-{id}",
            ["DataNodeHostId"] = $"run-{id}",
            ["ObjectStore__HeartbeatSchedule"] = "*/1 * * * * *",
            ["ObjectStore__ExpireDeadNodesSchedule"] = "*/1 * * * * *",
            ["ObjectStore__NodeExpiry"] = "00:00:03",
            ["ObjectStore__RepairScanSchedule"] = "*/5 * * * * *",
            ["ObjectStore__RepairGracePeriod"] = "00:00:05",
            // The apps are this project's references, built with it: ./run need not build them again.
            ["RUN_SKIP_BUILD"] = "1",
        };
        var cluster = await RunCluster.StartAsync(Repository.Root, state, dataNodes: 6, environment, Repository.Configuration, TimeSpan.FromMinutes(10));
        try
        {
            var bodies = new Dictionary<string, byte[]>();
            async Task PutAsync(string name, byte[] body)
            {
                using var response = await cluster.Client.PutAsync($"/objects/{name}", new ByteArrayContent(body));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"PUT {name} ({body.Length} B) with {down} of 6 nodes down: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                bodies[name] = body;
            }

            await PutAsync("before", TestData.Bytes((1024 * 1024) + 1, 1));
            var victims = cluster.Nodes.Take(down).ToList();
            foreach (var victim in victims)
            {
                await cluster.KillAsync(victim);
            }

            // At once, before the Api has noticed (a refused connection), and again once the nodes have expired.
            foreach (var size in Sizes)
            {
                await PutAsync($"at-once-{size}", TestData.Bytes(size, size + 3));
            }

            await cluster.WaitForLiveNodesAsync(cluster.Nodes.Skip(down), TimeSpan.FromSeconds(30));
            foreach (var size in Sizes)
            {
                await PutAsync($"expired-{size}", TestData.Bytes(size, size + 5));
            }

            await ReadAllAsync(cluster, bodies, $"{down} nodes down");

            foreach (var victim in victims)
            {
                await cluster.RestartAsync(victim);
            }

            await cluster.WaitForLiveNodesAsync(cluster.Nodes, TimeSpan.FromSeconds(30));
            foreach (var name in bodies.Keys)
            {
                await Eventually.ReturnsAsync(() => RedundancyAsync(cluster, name), r => r.Full, RepairPeriod, $"{name} back at full redundancy");
            }

            // Two more losses, among the nodes that stayed up throughout and took the degraded writes.
            foreach (var node in cluster.Nodes.Skip(down).Take(2))
            {
                await cluster.KillAsync(node);
            }

            await ReadAllAsync(cluster, bodies, "two more nodes lost");
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{ex.Message}\n==== ./run\n{cluster.Output}\n==== api.log (tail)\n{Tail(Path.Combine(state, "logs", "api.log"))}");
        }
        finally
        {
            await cluster.DisposeAsync();
        }

        try
        {
            Directory.Delete(state, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task ReadAllAsync(RunCluster cluster, Dictionary<string, byte[]> bodies, string when)
    {
        foreach (var (name, body) in bodies)
        {
            using var response = await cluster.Client.GetAsync($"/objects/{name}", HttpCompletionOption.ResponseHeadersRead);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {name} ({when}): {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var (hash, length) = await TestData.HashAsync(await response.Content.ReadAsStreamAsync());
            Assert.Equal(body.Length, length);
            Assert.Equal(TestData.Sha256Hex(body), hash);
        }
    }

    /// <summary>Full: every shard of the version's layout (or every copy) on distinct live nodes.</summary>
    private static async Task<(bool Full, string Layout, int Pieces)> RedundancyAsync(RunCluster cluster, string name)
    {
        using var json = JsonDocument.Parse(await cluster.Client.GetStringAsync($"/locate/{name}"));
        var layout = json.RootElement.GetProperty("layout").GetString()!;
        var shards = json.RootElement.GetProperty("shards").EnumerateArray()
            .Select(s => (Address: s.GetProperty("address").GetString()!, Shard: s.GetProperty("shard").GetInt32()))
            .ToList();
        var parts = layout.Split('-');
        var full = parts[0] == "rs"
            ? Enumerable.Range(0, int.Parse(parts[1]) + int.Parse(parts[2])).All(i => shards.Any(s => s.Shard == i))
              && shards.Select(s => s.Address).Distinct().Count() >= int.Parse(parts[1]) + int.Parse(parts[2])
            : shards.Select(s => s.Address).Distinct().Count() >= int.Parse(parts[1]);
        return (full, layout, shards.Count);
    }

    private static string Tail(string path) =>
        File.Exists(path) ? string.Join("\n", File.ReadLines(path).TakeLast(80)) : "(none)";
}
