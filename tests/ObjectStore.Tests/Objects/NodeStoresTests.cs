using System.IO.Pipelines;
using Microsoft.Extensions.Options;
using ObjectStore.Storage;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Objects;
using ObjectStore.Storage.Volumes;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Objects;

public sealed class NodeStoresTests
{
    private const string Node = "node-a:1";
    private readonly GatedNode _node = new();
    private readonly NodeStores _stores;

    public NodeStoresTests()
    {
        _stores = new NodeStores(_node, Options.Create(new ObjectStoreOptions { NodeStoreTimeout = TimeSpan.FromSeconds(30) }));
    }

    [Fact]
    public async Task A_store_to_an_idle_node_goes_alone_at_once()
    {
        _node.Release();

        var stored = await _stores.StoreAsync(Node, Key(1), Bytes(1), "sum-1", CancellationToken.None);

        Assert.Equal(Key(1).Hash.Hex, stored.Hash);
        Assert.Equal(["alone " + Key(1)], _node.Requests);
        Assert.Equal(0, _stores.Batches);
    }

    [Fact]
    public async Task Stores_that_arrive_while_one_is_in_flight_go_together_and_each_gets_its_own_answer()
    {
        var first = _stores.StoreAsync(Node, Key(1), Bytes(1), "sum-1", CancellationToken.None);
        await _node.InFlight;
        var second = _stores.StoreAsync(Node, Key(2), Bytes(2), "sum-2", CancellationToken.None);
        var third = _stores.StoreAsync(Node, Key(3), Bytes(3), "sum-3", CancellationToken.None);

        _node.Release();

        Assert.Equal(Key(1).Hash.Hex, (await first).Hash);
        Assert.Equal(Key(2).Hash.Hex, (await second).Hash);
        Assert.Equal(3, (await third).Size);
        Assert.Equal(["alone " + Key(1), $"batch {Key(2)} {Key(3)}"], _node.Requests);
        Assert.Equal(1, _stores.Batches);
    }

    [Fact]
    public async Task An_item_the_node_refuses_fails_only_its_own_store()
    {
        var first = _stores.StoreAsync(Node, Key(1), Bytes(1), "sum-1", CancellationToken.None);
        await _node.InFlight;
        _node.Refused.Add(Key(2).FileName);
        var refused = _stores.StoreAsync(Node, Key(2), Bytes(2), "sum-2", CancellationToken.None);
        var accepted = _stores.StoreAsync(Node, Key(3), Bytes(3), "sum-3", CancellationToken.None);

        _node.Release();

        await first;
        var error = await Assert.ThrowsAsync<DataNodeException>(() => refused);
        Assert.Equal(Node, error.Address);
        Assert.Contains("409", error.Message);
        Assert.Equal(Key(3).Hash.Hex, (await accepted).Hash);
    }

    [Fact]
    public async Task A_batch_the_node_fails_fails_each_of_its_stores_and_the_next_stores_go_on()
    {
        var first = _stores.StoreAsync(Node, Key(1), Bytes(1), "sum-1", CancellationToken.None);
        await _node.InFlight;
        _node.FailBatches = true;
        var second = _stores.StoreAsync(Node, Key(2), Bytes(2), "sum-2", CancellationToken.None);
        var third = _stores.StoreAsync(Node, Key(3), Bytes(3), "sum-3", CancellationToken.None);

        _node.Release();

        await first;
        await Assert.ThrowsAsync<DataNodeException>(() => second);
        await Assert.ThrowsAsync<DataNodeException>(() => third);
        _node.FailBatches = false;
        Assert.Equal(Key(4).Hash.Hex, (await _stores.StoreAsync(Node, Key(4), Bytes(4), "sum-4", CancellationToken.None)).Hash);
    }

    [Fact]
    public async Task A_store_cancelled_while_it_waits_is_never_sent()
    {
        var first = _stores.StoreAsync(Node, Key(1), Bytes(1), "sum-1", CancellationToken.None);
        await _node.InFlight;
        using var cancel = new CancellationTokenSource();
        var cancelled = _stores.StoreAsync(Node, Key(2), Bytes(2), "sum-2", cancel.Token);
        var kept = _stores.StoreAsync(Node, Key(3), Bytes(3), "sum-3", CancellationToken.None);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        _node.Release();

        await first;
        await kept;
        Assert.Equal(["alone " + Key(1), $"batch {Key(3)}"], _node.Requests);
    }

    [Fact]
    public async Task A_batch_carries_at_most_the_protocols_item_limit_and_the_rest_follow_in_the_next()
    {
        var first = _stores.StoreAsync(Node, Key(0), Bytes(1), "sum-0", CancellationToken.None);
        await _node.InFlight;
        var waiting = Enumerable.Range(1, DataNodeProtocol.StoreBatch.MaxItems + 6)
            .Select(i => _stores.StoreAsync(Node, Key(i), Bytes(2), $"sum-{i}", CancellationToken.None))
            .ToList();

        _node.Release();

        await first;
        await Task.WhenAll(waiting);
        Assert.Equal([DataNodeProtocol.StoreBatch.MaxItems, 6], _node.BatchSizes);
    }

    [Fact]
    public async Task Stores_to_different_nodes_do_not_wait_for_each_other()
    {
        var first = _stores.StoreAsync(Node, Key(1), Bytes(1), "sum-1", CancellationToken.None);
        await _node.InFlight;
        _node.Ungated.Add("node-b:1");

        var other = await _stores.StoreAsync("node-b:1", Key(2), Bytes(2), "sum-2", CancellationToken.None);

        Assert.Equal(Key(2).Hash.Hex, other.Hash);
        _node.Release();
        await first;
        Assert.Equal(0, _stores.Batches);
    }

    [Fact]
    public async Task A_large_item_goes_alone_even_while_a_store_is_in_flight()
    {
        var first = _stores.StoreAsync(Node, Key(1), Bytes(1), "sum-1", CancellationToken.None);
        await _node.InFlight;
        _node.Ungated.Add(Node);

        var large = await _stores.StoreAsync(Node, Key(2), Bytes(NodeStores.MaxBatchedItemBytes + 1), "sum-2", CancellationToken.None);

        Assert.Equal(NodeStores.MaxBatchedItemBytes + 1, large.Size);
        _node.Release();
        await first;
        Assert.Equal(0, _stores.Batches);
    }

    private static StoredKey Key(int i) => new(ContentHash.FromBytes(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i))), null);

    private static byte[] Bytes(int length) => TestBytes.Random(length, seed: length);

    /// <summary>
    /// A node whose lone stores wait for <see cref="Release"/> (the first one signals <see cref="InFlight"/>) and whose
    /// batches answer at once; records every request in order.
    /// </summary>
    private sealed class GatedNode : IDataNodeClient
    {
        private readonly TaskCompletionSource _inFlight = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _lock = new();

        public Task InFlight => _inFlight.Task;

        public List<string> Requests { get; } = [];

        public List<int> BatchSizes { get; } = [];

        public HashSet<string> Refused { get; } = [];

        public HashSet<string> Ungated { get; } = [];

        public bool FailBatches { get; set; }

        public void Release() => _gate.TrySetResult();

        public async Task<TempUploadResult> StoreAsync(string address, StoredKey key, ReadOnlyMemory<byte> content, string blockChecksum, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                Requests.Add("alone " + key);
            }

            if (!Ungated.Contains(address))
            {
                _inFlight.TrySetResult();
                await _gate.Task;
            }

            return new TempUploadResult(key.Hash.Hex, content.Length, blockChecksum);
        }

        public Task<IReadOnlyList<StoreBatchItemResult>> StoreBatchAsync(string address, IReadOnlyList<StoreBatchItem> items, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                Requests.Add("batch " + string.Join(' ', items.Select(i => i.Key)));
                BatchSizes.Add(items.Count);
            }

            if (FailBatches)
            {
                throw new DataNodeException(address, "connection reset");
            }

            IReadOnlyList<StoreBatchItemResult> results = [.. items.Select(i => Refused.Contains(i.Key.FileName)
                ? new StoreBatchItemResult(DataNodeProtocol.Status.HashMismatch, null, 0, null, "content is not what its key says")
                : new StoreBatchItemResult(DataNodeProtocol.Status.Stored, i.Key.Hash.Hex, i.Content.Length, i.BlockChecksum, null))];
            return Task.FromResult(results);
        }

        public Task<TempUploadResult> PutTempAsync(string address, string tempId, PipeReader body, long? length, bool shard, Action onStreaming, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task CommitTempAsync(string address, string tempId, StoredKey key, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task TryDeleteTempAsync(string address, string tempId) => throw new NotSupportedException();

        public Task<Stream?> OpenReadAsync(string address, StoredKey key, ByteRange? range, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<HeldKey>> ListHeldAsync(string address, string? after, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> DeleteAsync(string address, StoredKey key, DateTimeOffset? writtenBy, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
