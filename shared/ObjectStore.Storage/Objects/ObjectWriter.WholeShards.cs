using System.Buffers;
using Microsoft.Extensions.Logging;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

public sealed partial class ObjectWriter
{
    /// <summary>Bytes held right now by PUTs of <see cref="UploadShardsWholeAsync"/>, bounded by <see cref="ObjectStoreOptions.BufferedWritesBudgetBytes"/>.</summary>
    private long _bufferedBytes;

    /// <summary>Memory a PUT of <see cref="UploadShardsWholeAsync"/> holds: the body and every shard, parity included.</summary>
    private static long BufferFor(ObjectLayout layout, long contentLength) => contentLength + (layout.TotalShards * layout.ShardLength(contentLength));

    private bool TryReserveBuffer(long bytes)
    {
        while (true)
        {
            var held = Volatile.Read(ref _bufferedBytes);
            if (held + bytes > Options.BufferedWritesBudgetBytes)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _bufferedBytes, held + bytes, held) == held)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// A coded object of known, bounded length stored as small objects are: its body is read whole and hashed before
    /// any node sees it, content already stored is not sent again, and each shard goes to its node in one request that
    /// checks, writes, fsyncs and publishes it. Against streaming temp uploads this saves a round trip to every node
    /// before the body (is it taking the upload?) and one after (commit). A shard whose node fails goes to a spare
    /// node; with none left the stripe is cut again narrower from the body in memory, as a streaming PUT does before
    /// its body is read. The caller has reserved <see cref="BufferFor"/> bytes; they are released here.
    /// </summary>
    private async Task<(ContentHash, long, ObjectLayout)> UploadShardsWholeAsync(Stream body, long contentLength, ContentHash? digest, ObjectLayout layout, PutTimings timings, CancellationToken cancellationToken)
    {
        var reserved = BufferFor(layout, contentLength);
        byte[]? data = null;
        byte[]? shardBuffer = null;
        try
        {
            // Chosen before the body is read, so that a store without enough live nodes answers 503 having consumed nothing.
            var nodes = ChooseStripe(layout, layout.ShardLength(contentLength));
            try
            {
                data = ArrayPool<byte>.Shared.Rent((int)contentLength);
                var content = data.AsMemory(0, (int)contentLength);
                var (hash, already) = await ReceiveWholeAsync(body, content, digest, layout, timings, cancellationToken).ConfigureAwait(false);
                if (already)
                {
                    return (hash, contentLength, layout);
                }

                var started = PutTimings.Now;
                while (true)
                {
                    var shardLength = (int)layout.ShardLength(contentLength);
                    var needed = layout.TotalShards * shardLength;
                    if (shardBuffer is null || shardBuffer.Length < needed)
                    {
                        ReturnRented(ref shardBuffer);
                        shardBuffer = ArrayPool<byte>.Shared.Rent(needed);
                    }

                    var shards = Enumerable.Range(0, layout.TotalShards).Select(i => shardBuffer.AsMemory(i * shardLength, shardLength)).ToArray();
                    Encode(layout, content.Span, shards);
                    var storageId = layout.StorageId(hash);
                    var holders = await StoreShardsAsync(storageId, shards, nodes.Addresses, cancellationToken).ConfigureAwait(false);
                    if (holders is not null)
                    {
                        timings.AddStore(started);
                        locator.Remember(storageId, layout.TotalShards, holders);
                        return (hash, contentLength, layout);
                    }

                    // Nodes that failed are suspected now, so the live count has dropped; shards already stored are
                    // bytes under a storage id no version will reference, which the collector's sweep removes.
                    var narrower = placement.LayoutFor(contentLength);
                    if (narrower.NodesNeeded >= layout.NodesNeeded)
                    {
                        throw new StoreUnavailableException($"not every shard of {layout} could be stored and no narrower stripe is possible; nothing was stored");
                    }

                    LogNarrowedAfterStore(layout.ToString(), narrower.ToString());
                    var more = BufferFor(narrower, contentLength) - reserved;
                    Interlocked.Add(ref _bufferedBytes, more);
                    reserved += more;
                    layout = narrower;
                    nodes.Dispose();
                    nodes = ChooseStripe(layout, layout.ShardLength(contentLength));
                }
            }
            finally
            {
                nodes.Dispose();
            }
        }
        finally
        {
            ReturnRented(ref data);
            ReturnRented(ref shardBuffer);
            Interlocked.Add(ref _bufferedBytes, -reserved);
        }
    }

    /// <summary>Distinct live nodes for every shard of <paramref name="layout"/>; 503 when there are too few.</summary>
    private NodePlacement.Choice ChooseStripe(ObjectLayout layout, long shardLength)
    {
        var nodes = placement.Choose(layout.NodesNeeded, shardLength);
        if (nodes.Addresses.Count < layout.NodesNeeded)
        {
            nodes.Dispose();
            throw new StoreUnavailableException($"{layout} needs {layout.NodesNeeded} live data nodes, {nodes.Addresses.Count} can take it; nothing was stored");
        }

        return nodes;
    }

    /// <summary>
    /// Cuts <paramref name="body"/> into stripes as <see cref="UploadCodedAsync"/> does (cell i of each stripe to
    /// shard i, the last stripe padded with zeros) and computes parity over whole shards: parity is computed byte by
    /// byte across the data shards, so one call equals one per stripe.
    /// </summary>
    private void Encode(ObjectLayout layout, ReadOnlySpan<byte> body, Memory<byte>[] shards)
    {
        for (var stripe = 0; stripe * layout.StripeSize < body.Length; stripe++)
        {
            for (var i = 0; i < layout.DataShards; i++)
            {
                var cell = shards[i].Span.Slice(stripe * ObjectLayout.CellSize, ObjectLayout.CellSize);
                var from = Math.Min(body.Length, (stripe * layout.StripeSize) + (i * ObjectLayout.CellSize));
                var used = Math.Min(ObjectLayout.CellSize, body.Length - from);
                body.Slice(from, used).CopyTo(cell);
                cell[used..].Clear();
            }
        }

        codecs.For(layout).Encode(
            [.. shards.Take(layout.DataShards).Select(s => (ReadOnlyMemory<byte>)s)],
            [.. shards.Skip(layout.DataShards)]);
    }

    /// <summary>
    /// Shard i to <paramref name="addresses"/>[i], all at once; a shard whose node fails goes to a node not tried yet,
    /// for at most <see cref="MaxRounds"/> rounds. Every node holds at most one shard, so losing a node loses at most
    /// one. Null when some shard found no node.
    /// </summary>
    private async Task<List<LocateReply>?> StoreShardsAsync(ContentHash storageId, Memory<byte>[] shards, IReadOnlyList<string> addresses, CancellationToken cancellationToken)
    {
        var checksums = shards.Select(shard =>
        {
            var sums = new DataNodeProtocol.BlockChecksums();
            sums.Append(shard.Span);
            return sums.ToString();
        }).ToArray();
        var targets = addresses.ToArray();
        var tried = new HashSet<string>(addresses, StringComparer.Ordinal);
        var pending = Enumerable.Range(0, shards.Length).ToList();
        var holders = new List<LocateReply>(shards.Length);
        var spares = new List<NodePlacement.Choice>();
        try
        {
            for (var round = 1; ; round++)
            {
                var stored = await Task.WhenAll(pending.Select(i => TryStoreAsync(targets[i], new StoredKey(storageId, i), shards[i], checksums[i], cancellationToken))).ConfigureAwait(false);
                holders.AddRange(pending.Where((_, j) => stored[j]).Select(i => new LocateReply(targets[i], storageId.Hex, Found: false, [i])));
                pending = pending.Where((_, j) => !stored[j]).ToList();
                if (pending.Count == 0)
                {
                    return holders;
                }

                var choice = placement.Choose(pending.Count, shards[0].Length, tried);
                spares.Add(choice);
                if (round >= MaxRounds || choice.Addresses.Count < pending.Count)
                {
                    return null;
                }

                tried.UnionWith(choice.Addresses);
                for (var j = 0; j < pending.Count; j++)
                {
                    targets[pending[j]] = choice.Addresses[j];
                }
            }
        }
        finally
        {
            foreach (var choice in spares)
            {
                choice.Dispose();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A shard of {Layout} found no node to take it; storing the object as {Narrower}")]
    private partial void LogNarrowedAfterStore(string layout, string narrower);

    private static void ReturnRented(ref byte[]? buffer)
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = null;
        }
    }
}
