using System.Net;
using System.Text.Json;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests;

/// <summary>Bit rot on a data node's disk, RS(2,1): one bad copy or shard is survived and repaired; more is never served.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class CorruptionTests(InfraFixture infra) : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    // No content cache in the Api: every GET here must read the nodes' (flipped) copies, which is what these tests check.
    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(infra, dataNodes: 3, settings: new Dictionary<string, string> { ["ObjectStore__ReadCacheBytes"] = "0" });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private async Task<int> StoredPiecesAsync(string name)
    {
        using var response = await _cluster.Client.GetAsync($"/locate/{name}");
        if (!response.IsSuccessStatusCode)
        {
            return 0;
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("shards").GetArrayLength();
    }

    [Fact]
    public async Task A_flipped_byte_in_one_copy_is_not_served_and_the_copy_is_replaced()
    {
        var name = $"flip-copy-{Guid.NewGuid():N}";
        var body = TestData.Bytes(10_000, 31);
        await _cluster.PutVersionAsync($"/objects/{name}", body);
        var copies = _cluster.CopiesOf(body).ToList();
        Assert.Equal(2, copies.Count);
        // Small copies are records in the nodes' packs: the rot is in a pack, amid other objects' records.
        Assert.All(copies, c => Assert.True(c.Packed));
        TestCluster.Damage(copies[0], 5_000);

        // Whichever copy the Api tries first, the bytes that come back are the right ones.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(body, await _cluster.Client.GetByteArrayAsync($"/objects/{name}"));
        }

        await Eventually.ReturnsAsync(() => StoredPiecesAsync(name), n => n == 2, TimeSpan.FromSeconds(30), "two intact copies again");
        Assert.Equal(body, await _cluster.Client.GetByteArrayAsync($"/objects/{name}"));
    }

    [Fact]
    public async Task Every_copy_flipped_is_a_503_never_wrong_bytes()
    {
        var name = $"flip-all-{Guid.NewGuid():N}";
        var body = TestData.Bytes(10_000, 32);
        await _cluster.PutVersionAsync($"/objects/{name}", body);
        foreach (var copy in _cluster.CopiesOf(body))
        {
            TestCluster.Damage(copy, 5_000);
        }

        using var response = await _cluster.Client.GetAsync($"/objects/{name}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("intact copy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_flipped_byte_in_one_shard_is_decoded_around_and_the_shard_rebuilt()
    {
        var name = $"flip-shard-{Guid.NewGuid():N}";
        var body = TestData.Bytes(3 * 1024 * 1024, 33);
        await _cluster.PutVersionAsync($"/objects/{name}", body);
        var shard = _cluster.CopiesOf(body).Single(c => c.Key.EndsWith(".1", StringComparison.Ordinal));
        TestCluster.Damage(shard, 700_000);

        Assert.Equal(body, await _cluster.Client.GetByteArrayAsync($"/objects/{name}"));
        await Eventually.ReturnsAsync(() => StoredPiecesAsync(name), n => n == 3, TimeSpan.FromSeconds(30), "three shards again");
        Assert.Equal(body, await _cluster.Client.GetByteArrayAsync($"/objects/{name}"));
    }

    [Fact]
    public async Task Two_bad_shards_of_three_cut_the_transfer_before_any_wrong_byte()
    {
        var name = $"flip-two-{Guid.NewGuid():N}";
        var body = TestData.Bytes(3 * 1024 * 1024, 34);
        await _cluster.PutVersionAsync($"/objects/{name}", body);
        const long badShardOffset = 1024 * 1024;
        foreach (var shard in _cluster.CopiesOf(body).Where(c => !c.Key.EndsWith(".2", StringComparison.Ordinal)))
        {
            TestCluster.Damage(shard, badShardOffset);
        }

        using var response = await _cluster.Client.GetAsync($"/objects/{name}", HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            // Both bad shards failed before the first byte went out (a node's reset can discard what it had sent).
            Assert.Contains("shards", await response.Content.ReadAsStringAsync());
            return;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = new MemoryStream();
        var failure = await Record.ExceptionAsync(async () => await (await response.Content.ReadAsStreamAsync()).CopyToAsync(received));

        Assert.NotNull(failure);
        Assert.Equal(body.AsSpan(0, (int)received.Length).ToArray(), received.ToArray());
        Assert.True(received.Length < body.Length);
    }
}
