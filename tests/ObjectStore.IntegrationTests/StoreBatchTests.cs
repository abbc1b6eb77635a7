using System.Net;
using ObjectStore.IntegrationTests.Infrastructure;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;

namespace ObjectStore.IntegrationTests;

/// <summary>
/// Batched stores of small copies (<see cref="DataNodeProtocol.StoreBatchRoute"/>) on real data nodes over HTTP: what
/// the Api sends a node while an earlier store there is in flight.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class StoreBatchTests(StoreBatchTests.Fixture fixture) : IClassFixture<StoreBatchTests.Fixture>
{
    private readonly TestCluster _cluster = fixture.Value;

    [Fact]
    public async Task A_batch_sent_to_a_data_node_stores_each_item_and_refuses_only_the_one_that_lies()
    {
        var node = _cluster.Nodes[0].Address;
        var first = TestData.Bytes(4096, 31);
        var second = TestData.Bytes(100_000, 32);
        var lying = TestData.Bytes(4096, 33);
        var liarsKey = Key(TestData.Bytes(4096, 34));
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("x-functions-key", await _cluster.DataNodeKeyAsync());
        var client = new DataNodeClient(http);

        var results = await client.StoreBatchAsync(node, [Item(Key(first), first), Item(liarsKey, lying), Item(Key(second), second)], CancellationToken.None);

        Assert.Equal([DataNodeProtocol.Status.Stored, DataNodeProtocol.Status.HashMismatch, DataNodeProtocol.Status.Stored], results.Select(r => r.Status));
        Assert.Equal(TestData.Sha256Hex(second), results[2].Hash);
        Assert.Equal(first, await ReadAsync(client, node, Key(first)));
        Assert.Equal(second, await ReadAsync(client, node, Key(second)));
        // Up to 64 KiB of content an item is a record of the node's packs; above, a file of its own.
        Assert.True(Assert.Single(_cluster.CopiesOf(first)).Packed);
        Assert.False(Assert.Single(_cluster.CopiesOf(second)).Packed);
        Assert.Empty(_cluster.CopiesOf(liarsKey.Hash.Hex));
        Assert.Empty(_cluster.TempFiles());
    }

    [Fact]
    public async Task A_batch_that_ends_inside_an_item_is_400_and_publishes_nothing()
    {
        var data = TestData.Bytes(4096, 35);
        var key = Key(data).FileName;
        var body = new byte[DataNodeProtocol.StoreBatch.CountSize + DataNodeProtocol.StoreBatch.HeaderSize(key) + 1000];
        DataNodeProtocol.StoreBatch.WriteCount(body, 1);
        var sums = new DataNodeProtocol.BlockChecksums();
        sums.Append(data);
        DataNodeProtocol.StoreBatch.WriteHeader(body.AsSpan(DataNodeProtocol.StoreBatch.CountSize), key, sums.SumOfSums, data.Length);
        data.AsSpan(0, 1000).CopyTo(body.AsSpan(body.Length - 1000));

        var code = Uri.EscapeDataString(await _cluster.DataNodeKeyAsync());
        var (status, response) = await RawHttp.SendAsync(_cluster.Nodes[1].Address, "POST", $"/{DataNodeProtocol.StoreBatchRoute}?code={code}", body);

        Assert.Equal(400, status);
        Assert.Contains("ended inside item 0", response);
        Assert.Empty(_cluster.CopiesOf(data));
        Assert.Empty(_cluster.TempFiles());
    }

    [Fact]
    public async Task Small_puts_sent_at_once_are_all_stored_and_read_back()
    {
        var bodies = Enumerable.Range(0, 48).Select(i => TestData.Bytes(4096, 1000 + i)).ToArray();
        var names = bodies.Select((_, i) => $"batched-{i}-{Guid.NewGuid():N}").ToArray();

        var statuses = await Task.WhenAll(bodies.Select((body, i) => _cluster.PutAsync($"/objects/{names[i]}", new ByteArrayContent(body))));

        Assert.All(statuses, s => Assert.Equal(200, s.Status));
        for (var i = 0; i < bodies.Length; i++)
        {
            using var get = await _cluster.Client.GetAsync($"/objects/{names[i]}");
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(bodies[i], await get.Content.ReadAsByteArrayAsync());
            // RS(2,1) in the test cluster: small objects are two whole copies.
            Assert.Equal(2, _cluster.CopiesOf(bodies[i]).Count());
        }
    }

    [Fact]
    public async Task A_delete_as_listed_keeps_bytes_stored_again_since_and_a_malformed_condition_is_400()
    {
        var node = _cluster.Nodes[0];
        var data = TestData.Bytes(4096, 36);
        var key = Key(data);
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("x-functions-key", await _cluster.DataNodeKeyAsync());
        var client = new DataNodeClient(http);
        await client.StoreBatchAsync(node.Address, [Item(key, data)], CancellationToken.None);
        // A packed record: its write time, in its header and the node's index, is the store's own (to the tick, as listed),
        // so the store again below gives it a later one.
        var copy = Assert.Single(_cluster.CopiesOf(data));
        Assert.True(copy.Packed);
        var listed = Assert.Single(await client.ListHeldAsync(node.Address, null, 10, CancellationToken.None), k => k.Key == key.FileName);

        // What the collector's sweep does with bytes no record knows, after a PUT stored them again (found intact).
        await client.StoreBatchAsync(node.Address, [Item(key, data)], CancellationToken.None);
        Assert.False(await client.DeleteAsync(node.Address, key, listed.Written, CancellationToken.None));
        Assert.Single(_cluster.CopiesOf(data));

        var code = Uri.EscapeDataString(await _cluster.DataNodeKeyAsync());
        var (status, response) = await RawHttp.SendAsync(node.Address, "DELETE", $"/{DataNodeProtocol.ObjectPath(key.FileName)}?{DataNodeProtocol.WrittenByQuery}=yesterday&code={code}", []);
        Assert.Equal(400, status);
        Assert.Contains(DataNodeProtocol.WrittenByQuery, response);
        Assert.Single(_cluster.CopiesOf(data));

        var relisted = Assert.Single(await client.ListHeldAsync(node.Address, null, 10, CancellationToken.None), k => k.Key == key.FileName);
        Assert.True(relisted.Written > listed.Written);
        Assert.True(await client.DeleteAsync(node.Address, key, relisted.Written, CancellationToken.None));
        Assert.Empty(_cluster.CopiesOf(data));
    }

    private static StoredKey Key(byte[] data) => ContentHash.TryParse(TestData.Sha256Hex(data), out var hash) ? hash : throw new InvalidOperationException("not a hash");

    private static StoreBatchItem Item(StoredKey key, byte[] data)
    {
        var sums = new DataNodeProtocol.BlockChecksums();
        sums.Append(data);
        return new StoreBatchItem(key, data, sums.ToString());
    }

    private static async Task<byte[]> ReadAsync(DataNodeClient client, string node, StoredKey key)
    {
        await using var stream = await client.OpenReadAsync(node, key, null, CancellationToken.None);
        Assert.NotNull(stream);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>One cluster for the class: its tests store keys of their own and check only those.</summary>
    public sealed class Fixture(InfraFixture infra) : SharedCluster(infra, dataNodes: 3);
}
