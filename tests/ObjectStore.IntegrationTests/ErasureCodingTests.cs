using System.Net;
using System.Text.Json;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests;

/// <summary>The product's default layout, RS(4,2) on six data nodes: lose any two, lose nothing.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ErasureCodingTests(InfraFixture infra)
{
    private static readonly Dictionary<string, string> Rs42 = new()
    {
        ["ObjectStore__DataShards"] = "4",
        ["ObjectStore__ParityShards"] = "2",
    };

    // 200,000 bytes is coded in one stripe: six shards of 64 KiB, which data nodes keep as records in their packs.
    private static readonly int[] Sizes = [0, 1, 4096, 200_000, (1024 * 1024) + 1, 64 * 1024 * 1024];

    private static async Task<Dictionary<int, byte[]>> PutAllSizesAsync(TestCluster cluster, string prefix)
    {
        var bodies = Sizes.ToDictionary(size => size, size => TestData.Bytes(size, size + 7));
        foreach (var (size, body) in bodies)
        {
            await cluster.PutVersionAsync($"/objects/{prefix}-{size}", body);
        }

        return bodies;
    }

    private static async Task<JsonElement> LocateAsync(TestCluster cluster, string name)
    {
        using var json = JsonDocument.Parse(await cluster.Client.GetStringAsync($"/locate/{name}"));
        return json.RootElement.Clone();
    }

    private static async Task<int> PiecesAsync(TestCluster cluster, string name)
    {
        using var response = await cluster.Client.GetAsync($"/locate/{name}");
        return response.IsSuccessStatusCode ? (await LocateAsync(cluster, name)).GetProperty("shards").GetArrayLength() : 0;
    }

    [Fact]
    public async Task Every_object_survives_any_two_nodes_lost_and_a_third_loss_is_a_clear_503()
    {
        await using var cluster = await TestCluster.StartAsync(infra, dataNodes: 6, settings: Rs42);
        var prefix = $"ec-{Guid.NewGuid():N}";
        var bodies = await PutAllSizesAsync(cluster, prefix);

        var big = await LocateAsync(cluster, $"{prefix}-{64 * 1024 * 1024}");
        Assert.Equal("rs-4-2", big.GetProperty("layout").GetString());
        Assert.Equal([0, 1, 2, 3, 4, 5], big.GetProperty("shards").EnumerateArray().Select(s => s.GetProperty("shard").GetInt32()).Order());
        Assert.Equal(6, big.GetProperty("shards").EnumerateArray().Select(s => s.GetProperty("address").GetString()).Distinct().Count());
        Assert.Equal("replica-3", (await LocateAsync(cluster, $"{prefix}-4096")).GetProperty("layout").GetString());

        // A 64 MiB object costs about 1.5 times its size on disk, not 3 times.
        var onDisk = cluster.CopiesOf(bodies[64 * 1024 * 1024]).Sum(c => c.Length);
        var ratio = (double)onDisk / (64 * 1024 * 1024);
        Assert.InRange(ratio, 1.5, 1.52);

        foreach (var victim in cluster.Nodes.Take(2))
        {
            await victim.KillAsync();
        }

        foreach (var (size, body) in bodies)
        {
            using var response = await cluster.Client.GetAsync($"/objects/{prefix}-{size}", HttpCompletionOption.ResponseHeadersRead);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{size} bytes with two nodes down: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var (hash, length) = await TestData.HashAsync(await response.Content.ReadAsStreamAsync());
            Assert.Equal(size, length);
            Assert.Equal(TestData.Sha256Hex(body), hash);
        }

        await cluster.Nodes[2].KillAsync();
        await cluster.WaitForNodesAsync(cluster.Nodes.Skip(3));
        using (var lost = await cluster.Client.GetAsync($"/objects/{prefix}-{(1024 * 1024) + 1}"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, lost.StatusCode);
            Assert.Contains("shards needed", await lost.Content.ReadAsStringAsync());
        }

        // With three live nodes of six a new object is still stored so that it survives two more losses: RS(1,2).
        var late = TestData.Bytes(300_000, 11);
        using (var put = await cluster.Client.PutAsync($"/objects/{prefix}-late", new ByteArrayContent(late)))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.Contains("\"layout\":\"rs-1-2\"", await put.Content.ReadAsStringAsync());
        }

        foreach (var node in cluster.Nodes.Take(3))
        {
            await node.StartAsync();
        }

        await cluster.WaitForNodesAsync(cluster.Nodes);
        foreach (var (size, body) in bodies)
        {
            var (hash, _) = await TestData.HashAsync(await cluster.Client.GetStreamAsync($"/objects/{prefix}-{size}"));
            Assert.Equal(TestData.Sha256Hex(body), hash);
        }

        var (lateHash, _) = await TestData.HashAsync(await cluster.Client.GetStreamAsync($"/objects/{prefix}-late"));
        Assert.Equal(TestData.Sha256Hex(late), lateHash);
    }

    [Theory]
    [InlineData(5 * 1024 * 1024, 1_000_000, false)]
    // One stripe: shards of 64 KiB, records in the nodes' packs.
    [InlineData(200_000, 30_000, true)]
    public async Task Two_corrupt_shards_are_decoded_around_and_both_rebuilt(int size, long secondOffset, bool packed)
    {
        await using var cluster = await TestCluster.StartAsync(infra, dataNodes: 6, settings: Rs42);
        var name = $"ec-flip-{Guid.NewGuid():N}";
        var body = TestData.Bytes(size, 71);
        await cluster.PutVersionAsync($"/objects/{name}", body);
        var shards = cluster.CopiesOf(body).OrderBy(c => c.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(6, shards.Count);
        Assert.All(shards, s => Assert.Equal(packed, s.Packed));
        TestCluster.Damage(shards[0], 10);
        TestCluster.Damage(shards[2], secondOffset);

        Assert.Equal(body, await cluster.Client.GetByteArrayAsync($"/objects/{name}"));
        await Eventually.ReturnsAsync(() => PiecesAsync(cluster, name), n => n == 6, TimeSpan.FromSeconds(30), "six shards again");
        Assert.Equal(6, cluster.CopiesOf(body).Count());
        // The rebuilt shards are good: lose two other nodes and the object still reads back.
        var holders = (await LocateAsync(cluster, name)).GetProperty("shards").EnumerateArray()
            .Where(s => s.GetProperty("shard").GetInt32() is 1 or 3).Select(s => s.GetProperty("address").GetString()).ToHashSet();
        foreach (var node in cluster.Nodes.Where(n => holders.Contains(n.Address)))
        {
            await node.KillAsync();
        }

        Assert.Equal(body, await cluster.Client.GetByteArrayAsync($"/objects/{name}"));
    }

    [Fact]
    public async Task A_node_that_comes_back_empty_is_refilled_by_the_repair_timer()
    {
        await using var cluster = await TestCluster.StartAsync(infra, dataNodes: 6, settings: Rs42);
        var prefix = $"ec-heal-{Guid.NewGuid():N}";
        var coded = TestData.Bytes(2 * 1024 * 1024, 81);
        var small = TestData.Bytes(1000, 82);
        await cluster.PutVersionAsync($"/objects/{prefix}-coded", coded);
        await cluster.PutVersionAsync($"/objects/{prefix}-small", small);

        // A disk replaced: the node returns with nothing on it, neither files nor packs (the small copy is packed).
        var victim = cluster.CopiesOf(small).First().Node;
        await victim.KillAsync();
        Directory.Delete(Path.Combine(cluster.StorageRoot(victim), "objects"), recursive: true);
        Directory.Delete(Path.Combine(cluster.StorageRoot(victim), "packs"), recursive: true);
        Assert.Empty(cluster.StoredCopies(victim));
        await victim.StartAsync();
        await cluster.WaitForNodesAsync(cluster.Nodes);

        await Eventually.ReturnsAsync(() => PiecesAsync(cluster, $"{prefix}-coded"), n => n == 6, TimeSpan.FromSeconds(45), "six shards of the coded object");
        await Eventually.ReturnsAsync(() => PiecesAsync(cluster, $"{prefix}-small"), n => n == 3, TimeSpan.FromSeconds(45), "three copies of the small object");
        Assert.Equal(coded, await cluster.Client.GetByteArrayAsync($"/objects/{prefix}-coded"));
    }

    [Fact]
    public async Task A_put_racing_a_node_kill_either_stores_with_full_redundancy_or_leaves_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(infra, dataNodes: 6, settings: Rs42);
        var name = $"ec-race-{Guid.NewGuid():N}";
        var source = new TestData.GeneratedStream(96L * 1024 * 1024, 91);
        var content = new StreamContent(source);
        content.Headers.ContentLength = 96L * 1024 * 1024;
        var put = cluster.Client.PutAsync($"/objects/{name}", content);
        await Eventually.TrueAsync(() => source.Position > 16 * 1024 * 1024, TimeSpan.FromSeconds(30), "the upload under way");
        await cluster.Nodes[3].KillAsync();
        using var response = await put;

        if (response.IsSuccessStatusCode)
        {
            // Committed before the kill took effect: all six shards are on disk, the dead node's included.
            Assert.Equal(6, cluster.CopiesOf(source.Hash!).Count());
        }
        else
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await cluster.Client.GetAsync($"/versions/{name}")).StatusCode);
            // The killed node cannot clean up after itself until it restarts; the live ones drop their temp uploads at once.
            var live = cluster.Nodes.Where(n => n.IsRunning).Select(n => Path.Combine(cluster.StorageRoot(n), "temp")).ToList();
            await Eventually.TrueAsync(() => !live.SelectMany(Directory.EnumerateFiles).Any(), TimeSpan.FromSeconds(15), "temp uploads removed");
            await cluster.Nodes[3].StartAsync();
            await Eventually.TrueAsync(() => !cluster.TempFiles().Any(), TimeSpan.FromSeconds(15), "the restarted node's stale temp upload removed");
        }
    }
}
