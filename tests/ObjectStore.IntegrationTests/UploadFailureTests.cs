using System.Net;
using System.Security.Cryptography;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class UploadFailureTests(InfraFixture infra) : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    // A copy deleted behind its node's back (below) changes nothing the nodes report, so only the periodic rescan
    // finds it (repairRescanInterval, an hour by default): every 2 s here.
    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(infra, dataNodes: 3,
        settings: new Dictionary<string, string> { ["ObjectStore__RepairRescanInterval"] = "00:00:02" });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_client_that_disconnects_mid_upload_leaves_no_object_and_no_temp_file()
    {
        var name = $"cut-{Guid.NewGuid():N}";
        var objectsBefore = _cluster.StoredCopies().Select(c => c.Id).ToHashSet();
        await RawHttp.SendTruncatedAsync(_cluster.Apis[0].Address, $"/objects/{name}", declaredLength: 10 * 1024 * 1024, sent: TestData.Bytes(1024 * 1024, 1));

        await Eventually.TrueAsync(() => !_cluster.TempFiles().Any(), TimeSpan.FromSeconds(15), "temp files removed");
        Assert.Equal(objectsBefore, _cluster.StoredCopies().Select(c => c.Id).ToHashSet());
        using var get = await _cluster.Client.GetAsync($"/objects/{name}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        using var versions = await _cluster.Client.GetAsync($"/versions/{name}");
        Assert.Equal(HttpStatusCode.NotFound, versions.StatusCode);
    }

    [Fact]
    public async Task A_wrong_digest_is_400_and_nothing_becomes_visible()
    {
        var name = $"digest-{Guid.NewGuid():N}";
        var body = TestData.Bytes(100_000, 11);
        var wrong = Convert.ToBase64String(SHA256.HashData(TestData.Bytes(100_000, 12)));
        var objectsBefore = _cluster.StoredCopies().Select(c => c.Id).ToHashSet();

        var request = new HttpRequestMessage(HttpMethod.Put, $"/objects/{name}") { Content = new ByteArrayContent(body) };
        request.Headers.TryAddWithoutValidation("Digest", $"SHA-256={wrong}");
        using var response = await _cluster.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Digest mismatch", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await _cluster.Client.GetAsync($"/objects/{name}")).StatusCode);
        Assert.Equal(objectsBefore, _cluster.StoredCopies().Select(c => c.Id).ToHashSet());
        Assert.Empty(_cluster.TempFiles());
    }

    [Theory]
    [InlineData("MD5=abc")]
    [InlineData("SHA-256=not-base64!")]
    [InlineData("SHA-256=AAAA")]
    public async Task An_unusable_digest_header_is_400(string digest)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/objects/bad-digest-{Guid.NewGuid():N}") { Content = new ByteArrayContent([1, 2, 3]) };
        request.Headers.TryAddWithoutValidation("Digest", digest);
        using var response = await _cluster.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Digest", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_right_digest_is_accepted()
    {
        var body = TestData.Bytes(70_000, 13);
        var request = new HttpRequestMessage(HttpMethod.Put, $"/objects/good-digest-{Guid.NewGuid():N}") { Content = new ByteArrayContent(body) };
        request.Headers.TryAddWithoutValidation("Digest", $"SHA-256={Convert.ToBase64String(SHA256.HashData(body))}");
        using var response = await _cluster.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Same_bytes_under_two_names_are_stored_once()
    {
        var body = TestData.Bytes(1024 * 1024, 21);
        var before = _cluster.StoredCopies().Select(c => c.Id).ToHashSet();
        await _cluster.PutVersionAsync($"/objects/dedup-a-{Guid.NewGuid():N}", body);
        var afterFirst = _cluster.StoredCopies().ToDictionary(c => c.Id, c => c.Length);
        var bytesAfterFirst = afterFirst.Values.Sum();

        await _cluster.PutVersionAsync($"/objects/dedup-b-{Guid.NewGuid():N}", body);
        // With the digest known up front the body is only verified, never sent to a data node.
        var request = new HttpRequestMessage(HttpMethod.Put, $"/objects/dedup-c-{Guid.NewGuid():N}") { Content = new ByteArrayContent(body) };
        request.Headers.TryAddWithoutValidation("Digest", $"SHA-256={Convert.ToBase64String(SHA256.HashData(body))}");
        Assert.Equal(HttpStatusCode.OK, (await _cluster.Client.SendAsync(request)).StatusCode);

        // 1 MiB is coded RS(2,1): three shards, once.
        Assert.Equal(3, afterFirst.Keys.Except(before).Count());
        var afterAll = _cluster.StoredCopies().ToDictionary(c => c.Id, c => c.Length);
        Assert.Equal(afterFirst.Keys.ToHashSet(), afterAll.Keys.ToHashSet());
        Assert.Equal(bytesAfterFirst, afterAll.Values.Sum());
        Assert.Empty(_cluster.TempFiles());
    }

    [Fact]
    public async Task Small_bytes_stored_again_with_a_copy_missing_go_to_the_same_nodes_and_restore_it()
    {
        // Several contents: a placement that ignored the content would add a third copy to most of them.
        var bodies = Enumerable.Range(0, 4).Select(i => TestData.Bytes(5000, 230 + i)).ToList();
        foreach (var body in bodies)
        {
            await _cluster.PutVersionAsync($"/objects/again-a-{Guid.NewGuid():N}", body);
        }

        var copies = bodies.Select(b => _cluster.CopiesOf(b).OrderBy(c => c.Id).ToList()).ToList();
        Assert.All(copies, c => Assert.Equal(2, c.Count));
        // Small copies are packed records, which a running node's index keeps: their nodes are stopped to lose them.
        await _cluster.RemoveCopiesAsync(copies.Select(held => held.First()));

        foreach (var body in bodies)
        {
            var again = $"again-b-{Guid.NewGuid():N}";
            await _cluster.PutVersionAsync($"/objects/{again}", body);
            Assert.Equal(body, await _cluster.Client.GetByteArrayAsync($"/objects/{again}"));
        }

        Assert.Equal(copies.Select(held => held.Select(c => c.Id).ToList()).ToList(), bodies.Select(b => _cluster.CopiesOf(b).Select(c => c.Id).Order().ToList()).ToList());
    }

    [Fact]
    public async Task A_copy_deleted_behind_its_nodes_back_is_restored_by_the_repair_scans_rescan()
    {
        // Above the data nodes' 64 KiB packing limit but a small object still (two whole copies): files of their own,
        // which can be deleted behind a running node's back, as a packed record cannot (its node would have to be
        // stopped, and a node's restart makes the scan look at once, not the rescan this is about).
        var body = TestData.Bytes(100_000, 23);
        await _cluster.PutVersionAsync($"/objects/lost-{Guid.NewGuid():N}", body);
        var copies = _cluster.CopiesOf(body).ToList();
        Assert.Equal(2, copies.Count);
        Assert.All(copies, c => Assert.False(c.Packed));
        File.Delete(copies[0].Path);

        await Eventually.TrueAsync(() => _cluster.CopiesOf(body).Count() == 2, TimeSpan.FromSeconds(60), "the lost copy repaired");
    }

    [Fact]
    public async Task A_lost_packed_copy_is_repaired_into_a_pack_as_a_put_would_store_it()
    {
        var body = TestData.Bytes(5_000, 24);
        await _cluster.PutVersionAsync($"/objects/lost-packed-{Guid.NewGuid():N}", body);
        var copies = _cluster.CopiesOf(body).ToList();
        Assert.Equal(2, copies.Count);
        Assert.All(copies, c => Assert.True(c.Packed, $"{c} stored by a PUT as a pack record"));
        await _cluster.RemoveCopiesAsync([copies[0]]);

        await Eventually.TrueAsync(() => _cluster.CopiesOf(body).Count() == 2, TimeSpan.FromSeconds(60), "the lost copy repaired");
        Assert.All(_cluster.CopiesOf(body), c => Assert.True(c.Packed, $"{c} repaired as a pack record, not a file of its own"));
    }

    [Fact]
    public async Task A_surplus_copy_on_a_node_the_content_does_not_rank_first_is_deleted_by_the_repair_scan()
    {
        var body = TestData.Bytes(5000, 24);
        var name = $"surplus-{Guid.NewGuid():N}";
        await _cluster.PutVersionAsync($"/objects/{name}", body);
        var copies = _cluster.CopiesOf(body).OrderBy(c => c.Id).ToList();
        Assert.Equal(2, copies.Count);

        // A third copy on the node that holds none, as content stored before copies were placed by rank (or before
        // small copies were packed) would have: a file of its own under objects/, which a running node finds there.
        // The file bytes of a packed record are those of such a file.
        var holders = copies.Select(c => c.Node).ToHashSet();
        var stray = _cluster.Nodes.Single(n => !holders.Contains(n));
        var surplus = Path.Combine(_cluster.StorageRoot(stray), "objects", copies[0].Key);
        File.WriteAllBytes(surplus, TestCluster.FileBytes(copies[0]));
        Assert.Equal(3, _cluster.CopiesOf(body).Count());

        await Eventually.TrueAsync(() => !File.Exists(surplus), TimeSpan.FromSeconds(60), "the surplus copy deleted");
        Assert.Equal(copies.Select(c => c.Id).ToList(), _cluster.CopiesOf(body).Select(c => c.Id).Order().ToList());
        using var get = await _cluster.Client.GetAsync($"/objects/{name}");
        Assert.Equal(body, await get.Content.ReadAsByteArrayAsync());
    }
}

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class NoDataNodeTests(InfraFixture infra)
{
    [Fact]
    public async Task Put_without_live_data_nodes_is_503_with_a_reason()
    {
        await using var cluster = await TestCluster.StartAsync(infra, dataNodes: 0);
        using var response = await cluster.Client.PutAsync("/objects/test", new ByteArrayContent([1, 2, 3]));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("no data node is alive", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await cluster.Client.GetAsync("/objects/test")).StatusCode);
    }
}
