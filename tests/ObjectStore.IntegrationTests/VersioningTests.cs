using System.Net;
using System.Text.Json;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class VersioningTests(VersioningTests.Fixture fixture) : IClassFixture<VersioningTests.Fixture>
{
    private readonly TestCluster _cluster = fixture.Value;

    [Fact]
    public async Task Puts_and_a_delete_make_versions_and_old_versions_stay_readable()
    {
        var name = $"versions-{Guid.NewGuid():N}";
        var bodies = Enumerable.Range(1, 3).Select(i => TestData.Bytes(1000 * i, i)).ToList();
        for (var i = 0; i < bodies.Count; i++)
        {
            Assert.Equal(i + 1, await _cluster.PutVersionAsync($"/objects/{name}", bodies[i]));
        }

        Assert.Equal(bodies[2], await _cluster.Client.GetByteArrayAsync($"/objects/{name}"));
        using (var delete = await _cluster.Client.DeleteAsync($"/objects/{name}"))
        {
            Assert.True(delete.IsSuccessStatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await _cluster.Client.GetAsync($"/objects/{name}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _cluster.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/objects/{name}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _cluster.Client.DeleteAsync($"/objects/{name}")).StatusCode);
        for (var i = 0; i < bodies.Count; i++)
        {
            Assert.Equal(bodies[i], await _cluster.Client.GetByteArrayAsync($"/objects/{name}?version={i + 1}"));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await _cluster.Client.GetAsync($"/objects/{name}?version=4")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _cluster.Client.GetAsync($"/objects/{name}?version=5")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _cluster.Client.GetAsync($"/objects/{name}?version=zero")).StatusCode);

        using var list = JsonDocument.Parse(await _cluster.Client.GetStringAsync($"/versions/{name}"));
        var versions = list.RootElement.EnumerateArray().ToList();
        Assert.Equal([1, 2, 3, 4], versions.Select(v => v.GetProperty("version").GetInt64()));
        Assert.Equal([false, false, false, true], versions.Select(v => v.GetProperty("deleted").GetBoolean()));
        Assert.Equal(bodies.Select(TestData.Sha256Hex), versions.Take(3).Select(v => v.GetProperty("hash").GetString()));
        Assert.Equal(bodies.Select(b => (long)b.Length), versions.Take(3).Select(v => v.GetProperty("size").GetInt64()));

        // A PUT after a delete marker revives the name with the next version.
        Assert.Equal(5, await _cluster.PutVersionAsync($"/objects/{name}", bodies[0]));
        Assert.Equal(bodies[0], await _cluster.Client.GetByteArrayAsync($"/objects/{name}"));
    }

    [Fact]
    public async Task Names_under_a_prefix_list_in_order_page_by_page_with_delete_markers_only_when_asked()
    {
        var prefix = $"list-{Guid.NewGuid():N}/";
        foreach (var leaf in new[] { "c", "a", "b/1", "é", "b/0" })
        {
            await _cluster.PutVersionAsync($"/objects/{prefix}{leaf}", TestData.Bytes(10, leaf.Length));
        }

        await _cluster.PutVersionAsync($"/objects/{prefix}a", TestData.Bytes(20, 2));
        await _cluster.PutVersionAsync($"/objects/{prefix[..^1]}", TestData.Bytes(5, 5));
        Assert.True((await _cluster.Client.DeleteAsync($"/objects/{prefix}c")).IsSuccessStatusCode);

        var seen = new List<(string Name, long Version)>();
        string? after = null;
        for (var page = 0; page < 10; page++)
        {
            var url = $"/names?prefix={Uri.EscapeDataString(prefix)}&limit=2" + (after is null ? string.Empty : $"&after={Uri.EscapeDataString(after)}");
            using var listing = JsonDocument.Parse(await _cluster.Client.GetStringAsync(url));
            seen.AddRange(listing.RootElement.GetProperty("names").EnumerateArray().Select(n => (n.GetProperty("name").GetString()!, n.GetProperty("version").GetInt64())));
            after = listing.RootElement.GetProperty("next").GetString();
            if (after is null)
            {
                break;
            }
        }

        // Ordinal UTF-8 order; the delete marker's name is left out; the name equal to the prefix without '/' is not under it.
        Assert.Equal([(prefix + "a", 2L), (prefix + "b/0", 1), (prefix + "b/1", 1), (prefix + "é", 1)], seen);

        using var withMarkers = JsonDocument.Parse(await _cluster.Client.GetStringAsync($"/names?prefix={Uri.EscapeDataString(prefix)}&deleted=true"));
        var all = withMarkers.RootElement.GetProperty("names").EnumerateArray().Select(n => (n.GetProperty("name").GetString(), n.GetProperty("deleted").GetBoolean())).ToList();
        Assert.Contains((prefix + "c", true), all);
        Assert.Equal(5, all.Count);
        Assert.Equal(JsonValueKind.Null, withMarkers.RootElement.GetProperty("next").ValueKind);

        Assert.Equal(HttpStatusCode.BadRequest, (await _cluster.Client.GetAsync("/names?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _cluster.Client.GetAsync("/names?limit=1001")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _cluster.Client.GetAsync("/names?deleted=maybe")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _cluster.Client.GetAsync($"/names?prefix={new string('x', 1025)}")).StatusCode);
    }

    [Fact]
    public async Task Twenty_racing_puts_through_two_api_instances_get_versions_1_to_20_once_each()
    {
        var name = $"race-{Guid.NewGuid():N}";
        var clients = _cluster.Apis.Select(_cluster.ClientFor).ToList();
        // Both instances must have heard the nodes' heartbeats before they can take PUTs.
        await _cluster.WaitForNodesAsync(_cluster.Nodes, client: clients[1]);
        var bodies = Enumerable.Range(0, 20).Select(i => TestData.Bytes(512, 1000 + i)).ToList();
        var start = new TaskCompletionSource();
        var puts = bodies.Select(async (body, i) =>
        {
            await start.Task;
            using var response = await clients[i % 2].PutAsync($"/objects/{name}", new ByteArrayContent(body));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            using var json = JsonDocument.Parse(text);
            return (Version: json.RootElement.GetProperty("version").GetInt64(), Hash: TestData.Sha256Hex(body));
        }).ToList();
        start.SetResult();
        var results = await Task.WhenAll(puts);

        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), results.Select(r => r.Version).Order());
        using var list = JsonDocument.Parse(await _cluster.Client.GetStringAsync($"/versions/{name}"));
        var listed = list.RootElement.EnumerateArray().Select(v => (Version: v.GetProperty("version").GetInt64(), Hash: v.GetProperty("hash").GetString()!)).ToList();
        Assert.Equal(results.OrderBy(r => r.Version), listed);
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    /// <summary>One cluster for the class: its tests use names of their own and leave the nodes as they found them.</summary>
    public sealed class Fixture(InfraFixture infra) : SharedCluster(infra, dataNodes: 3, apis: 2);
}
