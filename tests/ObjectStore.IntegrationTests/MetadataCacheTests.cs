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

    [Fact]
    public async Task When_the_etcd_member_a_watch_is_on_stops_the_watch_moves_to_another_and_the_cache_stays_coherent()
    {
        await using var cluster = await TestCluster.StartAsync(infra, dataNodes: 3, apis: 2, settings: new Dictionary<string, string>
        {
            ["ObjectStore__MetadataCacheTtl"] = "00:10:00",
            // No timer of the reader's may call etcd meanwhile: a call that finds the member stopped moves the whole
            // process to the next one, the watch with it, and the test would not see whether the watch moves by itself.
            ["ObjectStore__RepairScanSchedule"] = "0 0 0 1 1 *",
        });
        using var writer = cluster.ClientFor(cluster.Apis[0]);
        using var reader = cluster.ClientFor(cluster.Apis[1]);
        var name = $"cache-{Guid.NewGuid():N}";
        Assert.True((await writer.PutAsync($"/objects/{name}", new ByteArrayContent([1]))).IsSuccessStatusCode);
        Assert.Equal([1], await reader.GetByteArrayAsync($"/objects/{name}"));

        var watched = await Eventually.ReturnsAsync(() => Task.FromResult(WatchedMember(cluster.Apis[1].Log)), m => m is not null, TimeSpan.FromSeconds(10), "the reader's watch up");
        var member = Array.IndexOf(infra.EtcdEndpoints.Split(','), watched) + 1;
        Assert.True(member > 0, $"the reader watches {watched}, not one of {infra.EtcdEndpoints}");
        var logBefore = cluster.Apis[1].Log.Length;

        await infra.StopEtcdMemberAsync(member);
        try
        {
            // Nothing asks the reader anything until its watch is back: only the watch itself can move it.
            await Eventually.ReturnsAsync(
                () => Task.FromResult(WatchedMember(cluster.Apis[1].Log[logBefore..])),
                m => m is not null && m != watched,
                TimeSpan.FromSeconds(20),
                $"the reader's watch on a member other than {watched} (member {member}, stopped)");

            // The stopped member may have been the leader: until the others have elected one (~2 s), a PUT may see a 503.
            await Eventually.ReturnsAsync(async () => (await writer.PutAsync($"/objects/{name}", new ByteArrayContent([2]))).StatusCode, s => s == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "version 2 written");
            await Eventually.ReturnsAsync(async () => await reader.GetByteArrayAsync($"/objects/{name}"), b => b.SequenceEqual(new byte[] { 2 }), TimeSpan.FromSeconds(5), "version 2 through the other instance");
        }
        finally
        {
            await infra.StartEtcdMemberAsync(member);
        }

        // The member the watch is on now, if the watch is up (not broken since it last started).
        static string? WatchedMember(string log)
        {
            var started = System.Text.RegularExpressions.Regex.Matches(log, @"Watching etcd for metadata changes on (\S+)");
            if (started.Count == 0 || log.LastIndexOf("etcd metadata watch broken", StringComparison.Ordinal) > started[^1].Index)
            {
                return null;
            }

            return started[^1].Groups[1].Value;
        }
    }
}
