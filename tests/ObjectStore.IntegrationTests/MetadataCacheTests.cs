using System.Net;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class MetadataCacheTests(InfraFixture infra)
{
    [Theory]
    [InlineData("etcd")]
    [InlineData("blob")]
    public async Task A_write_through_one_api_instance_is_seen_by_another_that_had_cached_the_old_version(string store)
    {
        // A cache TTL far longer than the test: only the etcd watch (or, on Blob Storage, the change broadcast) can make
        // the second instance see the write.
        await using var cluster = await TestCluster.StartAsync(infra, dataNodes: 3, apis: 2, settings: new Dictionary<string, string>
        {
            ["ObjectStore__MetadataCacheTtl"] = "00:10:00",
            ["ObjectStore__MetadataStore"] = store,
        });
        using var writer = cluster.ClientFor(cluster.Apis[0]);
        using var reader = cluster.ClientFor(cluster.Apis[1]);
        var name = $"cache-{Guid.NewGuid():N}";

        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"/objects/{name}")).StatusCode);
        await writer.PutAsync($"/objects/{name}", new ByteArrayContent([1]));
        await Eventually.ReturnsAsync(async () => await reader.GetAsync($"/objects/{name}"), r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(5), "the new object visible through the other instance");
        Assert.Equal([1], await reader.GetByteArrayAsync($"/objects/{name}"));

        await writer.PutAsync($"/objects/{name}", new ByteArrayContent([2]));
        await Eventually.ReturnsAsync(async () => await reader.GetByteArrayAsync($"/objects/{name}"), b => b.SequenceEqual(new byte[] { 2 }), TimeSpan.FromSeconds(5), "version 2 through the other instance");

        await writer.DeleteAsync($"/objects/{name}");
        await Eventually.ReturnsAsync(async () => await reader.GetAsync($"/objects/{name}"), r => r.StatusCode == HttpStatusCode.NotFound, TimeSpan.FromSeconds(5), "the delete seen through the other instance");
    }
}
