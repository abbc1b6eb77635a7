using System.Net;
using System.Text.Json;
using ObjectStore.IntegrationTests.Infrastructure;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;

namespace ObjectStore.IntegrationTests;

/// <summary>
/// The collector (<c>CollectGarbage</c>, every second here, grace period 5 s) on a real cluster: retention, deleted
/// objects, and bytes no record knows. The race between a PUT and the collector is proved on the metadata itself in
/// <see cref="EtcdMetadataStoreTests"/>.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ContentCollectionTests(InfraFixture infra) : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(infra, dataNodes: 3, settings: new Dictionary<string, string>
    {
        ["ObjectStore__CollectSchedule"] = "*/1 * * * * *",
        ["ObjectStore__ContentGracePeriod"] = "00:00:05",
        ["ObjectStore__KeepVersions"] = "2",
        ["ObjectStore__DeleteMarkerExpiry"] = "00:00:01",
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Retention_keeps_the_newest_versions_and_deletes_the_bytes_only_older_ones_referenced()
    {
        var name = $"kept-{Guid.NewGuid():N}";
        var bodies = Enumerable.Range(1, 4).Select(i => TestData.Bytes(3000, 500 + i)).ToList();
        foreach (var body in bodies)
        {
            await _cluster.PutVersionAsync($"/objects/{name}", body);
        }

        // Content an older version shares with another name's live version stays.
        await _cluster.PutVersionAsync($"/objects/{name}-other", bodies[0]);

        await Eventually.ReturnsAsync(() => VersionsAsync(name), v => v.SequenceEqual([3L, 4L]), Within, "versions 1 and 2 dropped");
        await Eventually.TrueAsync(() => !_cluster.CopiesOf(bodies[1]).Any(), Within, "the bytes of version 2 deleted");
        Assert.NotEmpty(_cluster.CopiesOf(bodies[0]));
        Assert.NotEmpty(_cluster.CopiesOf(bodies[2]));
        Assert.Equal(bodies[3], await _cluster.Client.GetByteArrayAsync($"/objects/{name}"));
        Assert.Equal(bodies[2], await _cluster.Client.GetByteArrayAsync($"/objects/{name}?version=3"));
        Assert.Equal(HttpStatusCode.NotFound, (await _cluster.Client.GetAsync($"/objects/{name}?version=1")).StatusCode);
        Assert.Equal(bodies[0], await _cluster.Client.GetByteArrayAsync($"/objects/{name}-other"));
    }

    [Fact]
    public async Task Retention_trims_many_names_at_once_and_content_they_all_shared_loses_every_reference()
    {
        // Retention works on several names at a time; each drop takes one reference off the shared content's record
        // on a compare of its revision, so a lost update would leave it referenced (and held) for ever.
        var names = Enumerable.Range(0, 12).Select(i => $"many-{i}-{Guid.NewGuid():N}").ToList();
        var shared = TestData.Bytes(3000, 900);
        var latest = names.Select((_, i) => TestData.Bytes(3000, 1000 + i)).ToList();
        for (var i = 0; i < names.Count; i++)
        {
            await _cluster.PutVersionAsync($"/objects/{names[i]}", shared);
            await _cluster.PutVersionAsync($"/objects/{names[i]}", TestData.Bytes(3000, 2000 + i));
            await _cluster.PutVersionAsync($"/objects/{names[i]}", latest[i]);
        }

        await Eventually.TrueAsync(() => !_cluster.CopiesOf(shared).Any(), Within, "the content every name's version 1 shared deleted");
        for (var i = 0; i < names.Count; i++)
        {
            var versions = await VersionsAsync(names[i]);
            Assert.Equal([2L, 3L], versions);
            Assert.Equal(latest[i], await _cluster.Client.GetByteArrayAsync($"/objects/{names[i]}"));
        }
    }

    [Fact]
    public async Task A_deleted_object_disappears_with_its_bytes_once_its_delete_marker_expires()
    {
        var name = $"deleted-{Guid.NewGuid():N}";
        var body = TestData.Bytes(200_000, 77);
        await _cluster.PutVersionAsync($"/objects/{name}", body);
        Assert.NotEmpty(_cluster.CopiesOf(body));
        using (var delete = await _cluster.Client.DeleteAsync($"/objects/{name}"))
        {
            Assert.True(delete.IsSuccessStatusCode);
        }

        await Eventually.ReturnsAsync(async () => (await _cluster.Client.GetAsync($"/versions/{name}")).StatusCode, s => s == HttpStatusCode.NotFound, Within, "the name dropped");
        await Eventually.TrueAsync(() => !_cluster.CopiesOf(body).Any(), Within, "its shards deleted from every node");

        // The name starts again from version 1, and its bytes are stored again.
        Assert.Equal(1, await _cluster.PutVersionAsync($"/objects/{name}", body));
        Assert.Equal(body, await _cluster.Client.GetByteArrayAsync($"/objects/{name}"));
    }

    [Fact]
    public async Task A_purged_object_reads_as_never_written_and_only_bytes_nothing_else_references_are_freed()
    {
        var name = $"purge-{Guid.NewGuid():N}";
        var shared = TestData.Bytes(1500, 61);
        var own = TestData.Bytes(1600, 62);
        // Two versions: no more than this cluster's retention keeps (a third, or a delete marker past its 1 s expiry, could
        // be dropped by the collector before the purge counts it). Purging delete markers: MetadataContractTests.
        await _cluster.PutVersionAsync($"/objects/{name}", shared);
        await _cluster.PutVersionAsync($"/objects/{name}", own);
        await _cluster.PutVersionAsync($"/objects/{name}-other", shared);

        using (var purge = await _cluster.Client.DeleteAsync($"/versions/{name}"))
        {
            Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
            using var reply = JsonDocument.Parse(await purge.Content.ReadAsStringAsync());
            Assert.Equal(2, reply.RootElement.GetProperty("versions").GetInt32());
        }

        Assert.Equal(HttpStatusCode.NotFound, (await _cluster.Client.GetAsync($"/versions/{name}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _cluster.Client.GetAsync($"/objects/{name}?version=1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _cluster.Client.DeleteAsync($"/versions/{name}")).StatusCode);
        await Eventually.TrueAsync(() => !_cluster.CopiesOf(own).Any(), Within, "the bytes only the purged versions referenced deleted");
        Assert.Equal(shared, await _cluster.Client.GetByteArrayAsync($"/objects/{name}-other"));
        Assert.NotEmpty(_cluster.CopiesOf(shared));

        Assert.Equal(1, await _cluster.PutVersionAsync($"/objects/{name}", own));
        Assert.Equal(own, await _cluster.Client.GetByteArrayAsync($"/objects/{name}"));
    }

    [Fact]
    public async Task Bytes_no_record_knows_are_swept_once_older_than_the_grace_period_and_young_ones_are_left()
    {
        var node = _cluster.Nodes[0];
        var objects = Path.Combine(_cluster.StorageRoot(node), "objects");
        var key = await _cluster.DataNodeKeyAsync();
        // Known bytes: a PUT's small copies, packed records on two nodes. Their write time, kept in the record, cannot be
        // set back behind a running node: they are older than the grace period once it has passed, which the packed
        // bytes no record knows, stored on each node after them, show below.
        var body = TestData.Bytes(1000, 42);
        await _cluster.PutVersionAsync($"/objects/live-{Guid.NewGuid():N}", body);
        Assert.Equal(2, _cluster.CopiesOf(body).Count(c => c.Packed));

        // A PUT that crashed between its node writes and its commit left these: real stored bytes, no record. A small
        // copy stored in one request is a packed record, which ages on its own past the 5 s grace period; uploads
        // committed from temp/ are files, whose times are set.
        var crashedPacked = _cluster.Nodes.Select((_, i) => TestData.Bytes(150, 10 + i)).ToList();
        for (var i = 0; i < crashedPacked.Count; i++)
        {
            await StoreSmallOnNodeAsync(_cluster.Nodes[i], key, crashedPacked[i]);
            Assert.True(Assert.Single(_cluster.CopiesOf(crashedPacked[i])).Packed);
        }

        var crashed = Path.Combine(objects, await StoreOnNodeAsync(node, key, TestData.Bytes(100, 1)));
        var crashedToo = Path.Combine(objects, await StoreOnNodeAsync(node, key, TestData.Bytes(200, 2)));
        var inFlight = Path.Combine(objects, await StoreOnNodeAsync(node, key, TestData.Bytes(300, 3)));
        File.SetLastWriteTimeUtc(crashed, DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(crashedToo, DateTime.UtcNow.AddHours(-1));
        // A PUT still under way: its bytes are younger than the grace period for the whole test.
        File.SetLastWriteTimeUtc(inFlight, DateTime.UtcNow.AddHours(1));

        // The sweep that deleted a node's packed record found it older than the grace period: it found the live copy
        // there, written before, older too, and kept it.
        await Eventually.TrueAsync(() => !File.Exists(crashed) && !File.Exists(crashedToo) && !crashedPacked.SelectMany(_cluster.CopiesOf).Any(), Within, "unknown bytes swept");
        Assert.True(File.Exists(inFlight));
        Assert.Equal(2, _cluster.CopiesOf(body).Count());
    }

    /// <summary>Stores a small copy on one node as a small PUT does (one request, under its hash), without any metadata.</summary>
    private static async Task StoreSmallOnNodeAsync(AppProcess node, string key, byte[] body)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        http.DefaultRequestHeaders.Add("x-functions-key", key);
        var sums = new DataNodeProtocol.BlockChecksums();
        sums.Append(body);
        Assert.True(ContentHash.TryParse(TestData.Sha256Hex(body), out var hash));
        await new DataNodeClient(http).StoreAsync(node.Address, hash, body, sums.ToString(), CancellationToken.None);
    }

    /// <summary>Stores bytes on one node the way a PUT does (temp upload, then commit under the hash), without any metadata.</summary>
    private static async Task<string> StoreOnNodeAsync(AppProcess node, string key, byte[] body)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(node.BaseUrl) };
        http.DefaultRequestHeaders.Add("x-functions-key", key);
        var tempId = Guid.NewGuid().ToString("N");
        var hash = TestData.Sha256Hex(body);
        using (var upload = await http.PutAsync($"/temp/{tempId}", new ByteArrayContent(body)))
        {
            Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
        }

        using (var commit = await http.PostAsync($"/temp/{tempId}/commit/{hash}", null))
        {
            Assert.True(commit.IsSuccessStatusCode, await commit.Content.ReadAsStringAsync());
        }

        return hash;
    }

    private async Task<long[]> VersionsAsync(string name)
    {
        using var document = JsonDocument.Parse(await _cluster.Client.GetStringAsync($"/versions/{name}"));
        return document.RootElement.EnumerateArray().Select(v => v.GetProperty("version").GetInt64()).ToArray();
    }
}
