using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ObjectStore.IntegrationTests.Infrastructure;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.IntegrationTests;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ObjectRoundTripTests(ObjectRoundTripTests.Fixture fixture) : IClassFixture<ObjectRoundTripTests.Fixture>
{
    private readonly TestCluster _cluster = fixture.Value;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1024 * 1024)]
    public async Task Put_then_get_returns_the_same_bytes(int size)
    {
        var body = TestData.Bytes(size, seed: size);
        var name = $"round-trip-{size}-{Guid.NewGuid():N}";
        Assert.Equal(1, await _cluster.PutVersionAsync($"/objects/{name}", body));

        using var get = await _cluster.Client.GetAsync($"/objects/{name}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(body, await get.Content.ReadAsByteArrayAsync());
        Assert.Equal($"\"{TestData.Sha256Hex(body)}\"", get.Headers.ETag?.Tag);

        using var head = await _cluster.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/objects/{name}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(size, head.Content.Headers.ContentLength);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(1024 * 1024)]
    public async Task A_put_answers_with_where_its_time_went(int size)
    {
        using var put = await _cluster.Client.PutAsync($"/objects/timed-{size}-{Guid.NewGuid():N}", new ByteArrayContent(TestData.Bytes(size, seed: 7)));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var metrics = Assert.Single(put.Headers.GetValues("Server-Timing")).Split(", ")
            .Select(m => m.Split(";dur="))
            .ToDictionary(m => m[0], m => double.Parse(m[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["receive", "dedup", "store", "commit"], metrics.Keys);
        // Storing reached data nodes over HTTP and committing reached etcd: neither can take no time at all.
        Assert.True(metrics["store"] > 0, $"store {metrics["store"]} ms");
        Assert.True(metrics["commit"] > 0, $"commit {metrics["commit"]} ms");
    }

    [Fact]
    public async Task A_300_MiB_object_streams_both_ways_in_bounded_api_memory()
    {
        const long size = 300L * 1024 * 1024;
        var name = $"big-{Guid.NewGuid():N}";
        var source = new TestData.GeneratedStream(size, seed: 300);
        var content = new StreamContent(source, 256 * 1024);
        content.Headers.ContentLength = size;
        var (status, text) = await _cluster.PutAsync($"/objects/{name}", content);
        Assert.True(status == 200, text);
        using (var put = JsonDocument.Parse(text))
        {
            Assert.Equal(source.Hash, put.RootElement.GetProperty("hash").GetString());
            Assert.Equal(size, put.RootElement.GetProperty("size").GetInt64());
        }

        using var get = await _cluster.Client.GetAsync($"/objects/{name}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        var (hash, length) = await TestData.HashAsync(await get.Content.ReadAsStreamAsync());
        Assert.Equal(size, length);
        Assert.Equal(source.Hash, hash);

        // Buffering the object would need at least its 300 MiB; streaming needs a few buffers over the runtime's baseline.
        var peak = _cluster.Apis[0].PeakMemoryBytes();
        Assert.True(peak < 200L * 1024 * 1024, $"Api peak memory {peak / (1024 * 1024)} MiB for a 300 MiB object");
    }

    [Fact]
    public async Task Missing_object_is_404_with_a_json_error()
    {
        using var response = await _cluster.Client.GetAsync($"/objects/missing-{Guid.NewGuid():N}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("not found", error.RootElement.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("POST", "/objects/x")]
    [InlineData("PATCH", "/objects/x")]
    [InlineData("PUT", "/nodes")]
    [InlineData("PUT", "/versions/x")]
    [InlineData("POST", "/names")]
    public async Task Other_methods_get_405(string method, string path)
    {
        using var response = await _cluster.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent([1]) });
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("error", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Ranges_return_exactly_the_requested_bytes()
    {
        var body = TestData.Bytes(200_000, seed: 7);
        var name = $"ranges-{Guid.NewGuid():N}";
        await _cluster.PutVersionAsync($"/objects/{name}", body);

        async Task<(HttpStatusCode Status, byte[] Bytes, string? ContentRange)> GetRange(string range)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/objects/{name}");
            request.Headers.TryAddWithoutValidation("Range", range);
            using var response = await _cluster.Client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response.Content.Headers.ContentRange?.ToString());
        }

        var first = await GetRange("bytes=0-0");
        Assert.Equal(HttpStatusCode.PartialContent, first.Status);
        Assert.Equal(body[..1], first.Bytes);
        Assert.Equal("bytes 0-0/200000", first.ContentRange);

        var last = await GetRange("bytes=199999-199999");
        Assert.Equal(HttpStatusCode.PartialContent, last.Status);
        Assert.Equal(body[^1..], last.Bytes);
        Assert.Equal("bytes 199999-199999/200000", last.ContentRange);

        var suffix = await GetRange("bytes=-1000");
        Assert.Equal(body[^1000..], suffix.Bytes);

        // Crosses the data node's 64 KiB checksum blocks on both ends.
        var middle = await GetRange("bytes=65000-140000");
        Assert.Equal(body[65000..140001], middle.Bytes);

        var open = await GetRange("bytes=150000-");
        Assert.Equal(body[150000..], open.Bytes);

        var beyond = await GetRange("bytes=200000-");
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.Status);
        Assert.Equal("bytes */200000", beyond.ContentRange);
    }

    [Theory]
    [InlineData("..%2F..%2Fetc%2Fpasswd", "../../etc/passwd")]
    [InlineData("a%2Fb%2Fc", "a/b/c")]
    [InlineData("dir/sub/file.txt", "dir/sub/file.txt")]
    [InlineData("%E6%97%A5%E6%9C%AC%E8%AA%9E%20%F0%9F%93%A6", "日本語 📦")]
    [InlineData("100%25", "100%")]
    public async Task Names_are_keys_not_paths(string encoded, string expectedName)
    {
        var body = TestData.Bytes(1000, seed: encoded.Length);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using (var put = await _cluster.Client.PutAsync($"/objects/{encoded}{suffix}", new ByteArrayContent(body)))
        {
            var text = await put.Content.ReadAsStringAsync();
            Assert.True(put.IsSuccessStatusCode, text);
            using var json = JsonDocument.Parse(text);
            Assert.Equal(expectedName + suffix, json.RootElement.GetProperty("name").GetString());
        }

        Assert.Equal(body, await _cluster.Client.GetByteArrayAsync($"/objects/{encoded}{suffix}"));

        // Whatever the name, the data nodes hold only files named by content hash under objects/, and packs under
        // packs/ whose records are keyed by content hash.
        foreach (var node in _cluster.Nodes)
        {
            foreach (var file in Directory.EnumerateFiles(_cluster.StorageRoot(node), "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(_cluster.StorageRoot(node), file);
                Assert.Matches(@"^(objects/[0-9a-f]{64}(\.[0-9]+)?|temp/[0-9a-f]{32}|packs/[0-9]{10}\.pack)$", relative);
                if (relative.StartsWith("packs/", StringComparison.Ordinal))
                {
                    Assert.All(PackFile.Records(file), r => Assert.Matches(@"^[0-9a-f]{64}(\.[0-9]+)?$", r.Key));
                }
            }
        }

        // 1,000 bytes: two whole copies, records of two nodes' packs.
        Assert.Equal(2, _cluster.CopiesOf(body).Count(c => c.Packed));
    }

    [Fact]
    public async Task A_name_of_1024_bytes_is_accepted_and_1025_rejected()
    {
        var name1024 = new string('n', 1000) + Guid.NewGuid().ToString("N")[..24];
        Assert.Equal(1024, name1024.Length);
        Assert.Equal(1, await _cluster.PutVersionAsync($"/objects/{name1024}", [42]));
        Assert.Equal([42], await _cluster.Client.GetByteArrayAsync($"/objects/{name1024}"));

        // 'é' is two bytes in UTF-8: 1023 + 2 = 1025 bytes.
        var name1025 = new string('n', 1023) + "%C3%A9";
        using var response = await _cluster.Client.PutAsync($"/objects/{name1025}", new ByteArrayContent([1]));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("1024", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("bad%zzescape", "percent-escape")]
    [InlineData("bad%FFutf8", "UTF-8")]
    [InlineData("", "empty")]
    public async Task Bad_names_get_400_with_the_reason_and_store_nothing(string encoded, string reason)
    {
        var before = _cluster.StoredCopies().Count();
        var (status, response) = await RawHttp.SendAsync(_cluster.Apis[0].Address, "PUT", $"/objects/{encoded}", TestData.Bytes(10, 99));
        Assert.Equal(400, status);
        Assert.Contains(reason, response);
        Assert.Equal(before, _cluster.StoredCopies().Count());
    }

    [Fact]
    public async Task A_nul_in_a_name_is_refused_before_it_reaches_the_store()
    {
        var before = _cluster.StoredCopies().Count();
        var (status, _) = await RawHttp.SendAsync(_cluster.Apis[0].Address, "PUT", "/objects/bad%00nul", TestData.Bytes(10, 99));
        Assert.Equal(400, status);
        Assert.Equal(before, _cluster.StoredCopies().Count());
    }

    [Fact]
    public async Task Locate_names_the_node_holding_the_bytes()
    {
        var name = $"locate-{Guid.NewGuid():N}";
        var body = TestData.Bytes(5000, 5);
        await _cluster.PutVersionAsync($"/objects/{name}", body);
        using var json = JsonDocument.Parse(await _cluster.Client.GetStringAsync($"/locate/{name}"));
        Assert.Equal(TestData.Sha256Hex(body), json.RootElement.GetProperty("hash").GetString());
        // 5000 bytes is a small object: two whole copies (shard 0) on two distinct nodes.
        Assert.Equal("replica-2", json.RootElement.GetProperty("layout").GetString());
        var holders = json.RootElement.GetProperty("shards").EnumerateArray().Select(s => s.GetProperty("address").GetString()).ToList();
        Assert.Equal(2, holders.Distinct().Count());
        Assert.All(holders, h => Assert.Contains(h, _cluster.Nodes.Select(n => n.Address)));

        using var missing = await _cluster.Client.GetAsync($"/locate/nothing-{Guid.NewGuid():N}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Nodes_lists_every_live_node_with_its_heartbeat()
    {
        using var json = JsonDocument.Parse(await _cluster.Client.GetStringAsync("/nodes"));
        var nodes = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(_cluster.Nodes.Select(n => n.Address).Order(), nodes.Select(n => n.GetProperty("address").GetString()).Order());
        Assert.All(nodes, n => Assert.True(n.GetProperty("lastHeartbeat").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1)));
    }

    /// <summary>One cluster for the whole class: its tests use names of their own and leave the nodes as they found them.</summary>
    public sealed class Fixture(InfraFixture infra) : SharedCluster(infra, dataNodes: 3);
}
