using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// The Api's one-request stores of small copies and shards, grouped per node: a store to a node with nothing in flight
/// goes alone at once (a lone PUT waits for nothing), and stores that arrive while one is in flight gather and go
/// together as one batch when it ends (<see cref="DataNodeProtocol.StoreBatchRoute"/>). Under concurrent small PUTs a
/// node then serves one request and one flush per batch instead of per copy — the per-request work, not the disk, is
/// what a small store costs a node (perf: Kestrel, dispatch, thread hand-offs and an fsync each).
/// <para>A caller's bytes are sent from its own buffer, so a caller whose store has been sent waits for the answer even
/// when cancelled (the request is bounded by <see cref="ObjectStoreOptions.NodeStoreTimeout"/>); one still waiting
/// to be sent leaves at once.</para>
/// </summary>
public sealed class NodeStores(IDataNodeClient dataNodes, IOptions<ObjectStoreOptions> options)
{
    /// <summary>Items larger than this go alone: for them the bytes, not the request, are the cost.</summary>
    public const int MaxBatchedItemBytes = 256 * 1024;

    /// <summary>The most bytes one batch carries.</summary>
    public const int MaxBatchBytes = 4 * 1024 * 1024;

    private readonly ConcurrentDictionary<string, Node> _nodes = new(StringComparer.Ordinal);
    private long _batches;

    /// <summary>Batched requests sent so far (for tests and logs).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>As <see cref="IDataNodeClient.StoreAsync"/>; a store refused in a batch throws the same <see cref="DataNodeException"/>.</summary>
    public async Task<TempUploadResult> StoreAsync(string address, StoredKey key, ReadOnlyMemory<byte> content, string blockChecksum, CancellationToken cancellationToken)
    {
        if (content.Length > MaxBatchedItemBytes)
        {
            return await dataNodes.StoreAsync(address, key, content, blockChecksum, cancellationToken).ConfigureAwait(false);
        }

        var node = _nodes.GetOrAdd(address, _ => new Node());
        Pending? queued = null;
        lock (node)
        {
            if (node.Busy)
            {
                queued = new Pending(new StoreBatchItem(key, content, blockChecksum));
                node.Waiting.Add(queued);
            }
            else
            {
                node.Busy = true;
            }
        }

        if (queued is not null)
        {
            await using var leave = cancellationToken.Register(() => Leave(node, queued));
            return await queued.Done.Task.ConfigureAwait(false);
        }

        try
        {
            return await dataNodes.StoreAsync(address, key, content, blockChecksum, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            SendWaiting(address, node);
        }
    }

    private static void Leave(Node node, Pending pending)
    {
        lock (node)
        {
            if (!node.Waiting.Remove(pending))
            {
                return;
            }
        }

        pending.Done.TrySetCanceled();
    }

    /// <summary>Called by whoever ends a node's request: sends what gathered meanwhile, or marks the node idle.</summary>
    private void SendWaiting(string address, Node node)
    {
        List<Pending> batch;
        lock (node)
        {
            if (node.Waiting.Count == 0)
            {
                node.Busy = false;
                return;
            }

            batch = Take(node.Waiting);
        }

        _ = SendAsync(address, node, batch);
    }

    private static List<Pending> Take(List<Pending> waiting)
    {
        var count = 0;
        long bytes = 0;
        while (count < waiting.Count && count < DataNodeProtocol.StoreBatch.MaxItems && (count == 0 || bytes + waiting[count].Item.Content.Length <= MaxBatchBytes))
        {
            bytes += waiting[count].Item.Content.Length;
            count++;
        }

        var batch = waiting.GetRange(0, count);
        waiting.RemoveRange(0, count);
        return batch;
    }

    private async Task SendAsync(string address, Node node, List<Pending> batch)
    {
        // Off the caller's continuation: the previous request's caller goes on with its PUT meanwhile.
        await Task.Yield();
        try
        {
            Interlocked.Increment(ref _batches);
            using var timeout = new CancellationTokenSource(options.Value.NodeStoreTimeout);
            var results = await dataNodes.StoreBatchAsync(address, [.. batch.Select(p => p.Item)], timeout.Token).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                var result = results[i];
                if (result.Status == DataNodeProtocol.Status.Stored)
                {
                    batch[i].Done.TrySetResult(new TempUploadResult(result.Hash ?? string.Empty, result.Size, result.BlockChecksum ?? string.Empty));
                }
                else
                {
                    batch[i].Done.TrySetException(new DataNodeException(address, $"{result.Status} {result.Error}"));
                }
            }
        }
        catch (Exception ex)
        {
            var failed = ex as DataNodeException ?? new DataNodeException(address, ex is OperationCanceledException ? $"no answer to a batched store within {options.Value.NodeStoreTimeout}" : ex.Message, ex);
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(failed);
            }
        }
        finally
        {
            SendWaiting(address, node);
        }
    }

    private sealed class Node
    {
        public bool Busy { get; set; }

        public List<Pending> Waiting { get; } = [];
    }

    private sealed class Pending(StoreBatchItem item)
    {
        public StoreBatchItem Item { get; } = item;

        public TaskCompletionSource<TempUploadResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
