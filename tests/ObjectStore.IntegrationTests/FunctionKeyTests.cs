using System.Net;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests;

/// <summary>Function keys as the Functions host keeps them, on the real apps and the real Azurite.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class FunctionKeyTests(InfraFixture infra)
{
    private const string SomeStoredKey = "0000000000000000000000000000000000000000000000000000000000000000";

    private static HttpClient Plain() => new(new SocketsHttpHandler { UseProxy = false });

    private Task<(string Master, string Default)> StoredKeysAsync(string hostId) => TestCluster.StoredKeysAsync(infra, hostId);

    [Fact]
    public async Task Data_node_routes_need_the_key_created_in_storage_and_the_api_uses_it()
    {
        await using var cluster = await TestCluster.StartAsync(infra, dataNodes: 3);
        var hostId = "it-" + Path.GetFileName(cluster.Directory);
        var (master, key) = await StoredKeysAsync(hostId);
        Assert.Contains("Function key (x-functions-key header or ?code=): " + key, cluster.Nodes[0].Log, StringComparison.Ordinal);

        var body = TestData.Bytes(3000, 7);
        await cluster.PutVersionAsync("/objects/keyed", body);
        Assert.Equal(body, await cluster.Client.GetByteArrayAsync("/objects/keyed"));

        using var client = Plain();
        var url = $"{cluster.Nodes[0].BaseUrl}/objects/{SomeStoredKey}";
        using (var missing = await client.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
            Assert.Contains("needs a function key", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var wrong = new HttpRequestMessage(HttpMethod.Get, url))
        {
            wrong.Headers.Add("x-functions-key", key + "x");
            using var response = await client.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("not a function key of this app", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // With a good key (header, query, or the master key) the node answers for itself: it does not hold this content.
        foreach (var request in new[] { $"{url}?code={key}", $"{url}?code={master}" })
        {
            using var response = await client.GetAsync(request);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using var withHeader = new HttpRequestMessage(HttpMethod.Get, url);
        withHeader.Headers.Add("x-functions-key", key);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(withHeader)).StatusCode);
    }

    [Fact]
    public async Task A_key_set_in_settings_is_stored_and_a_wrong_data_node_key_stops_the_api_at_start()
    {
        const string configured = "configured-key-for-the-nodes-0123456789";
        await using var cluster = await TestCluster.StartAsync(infra, dataNodes: 1, settings: new Dictionary<string, string> { ["FunctionsHostKeys__default"] = configured });
        var hostId = "it-" + Path.GetFileName(cluster.Directory);
        Assert.Equal(configured, (await StoredKeysAsync(hostId)).Default);

        var environment = new Dictionary<string, string>
        {
            ["LISTEN_ADDRESS"] = $"127.0.0.1:{LoopbackPorts.Take()}",
            ["RabbitMQConnection"] = infra.RabbitMQConnection,
            ["AzureWebJobsStorage"] = infra.AzureWebJobsStorage,
            ["EtcdEndpoints"] = infra.EtcdEndpoints,
            ["DataNodeHostId"] = hostId,
            ["DataNodeFunctionKey"] = "not-the-nodes-key-0123456789",
        };
        await using var api = new AppProcess("api-wrong-key", Repository.AppDll("Api", "ObjectStore.Api"), environment, cluster.Directory);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(api.StartAsync);

        Assert.Contains("exited with 1", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"Setting 'DataNodeFunctionKey' (local.settings.json Values or environment) is not a key of function app '{hostId}'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_can_require_a_key_for_its_own_routes()
    {
        await using var cluster = await TestCluster.StartAsync(infra, dataNodes: 0, settings: new Dictionary<string, string> { ["RequireFunctionKey"] = "true" });
        var key = (await StoredKeysAsync("it-" + Path.GetFileName(cluster.Directory))).Default;

        using var client = Plain();
        using (var missing = await client.GetAsync($"{cluster.Apis[0].BaseUrl}/nodes"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        }

        using var keyed = await client.GetAsync($"{cluster.Apis[0].BaseUrl}/nodes?code={key}");
        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
    }
}
