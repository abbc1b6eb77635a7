using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// Brings one piece of content back to full redundancy: rebuilds missing shards from any K present ones (or copies
/// a whole copy) onto live nodes that hold nothing of it yet, verified and committed like a PUT. Idempotent: what is
/// present is left alone, so a repeated or concurrent request does no harm beyond a duplicate shard. Targets are
/// chosen like a PUT's (<see cref="NodePlacement"/>), and the bytes written are paced process-wide at
/// <see cref="ObjectStoreOptions.RepairBytesPerSecond"/> so that a node coming back, or one lost for good, does not
/// starve client traffic while its pieces are rebuilt. A piece of at most <see cref="StoredWholeUpToBytes"/> is rebuilt in
/// memory and stored in one request, as a PUT stores it, so that a node keeps a repaired small copy or shard in its
/// packs as it keeps a written one; larger pieces stream through temp uploads.
/// </summary>
public sealed partial class ShardRepairer(
    IContentLocator locator,
    NodePlacement placement,
    IDataNodeClient dataNodes,
    ErasureCodecs codecs,
    IOptions<ObjectStoreOptions> options,
    TimeProvider time,
    ILogger<ShardRepairer> logger)
{
    /// <summary>The largest copy or shard rebuilt in memory and stored in one request per target.</summary>
    public const int StoredWholeUpToBytes = NodeStores.MaxBatchedItemBytes;

    private readonly Lock _pace = new();
    private long _pacedUntil;

    public enum Outcome
    {
        Healthy,
        Repaired,
        PartlyRepaired,
        Unrecoverable,
    }

    /// <summary>What is missing now: shard indices (or copies) no live node reports.</summary>
    public async Task<(IReadOnlyList<LocateReply> Replies, IReadOnlyList<int> Missing)> InspectAsync(ContentHash content, ObjectLayout layout, CancellationToken cancellationToken)
    {
        var replies = await locator.LocateShardsAsync(layout.StorageId(content), layout.TotalShards, _ => false, cancellationToken).ConfigureAwait(false);
        var missing = layout.IsErasureCoded
            ? Enumerable.Range(0, layout.TotalShards).Where(i => !replies.Any(r => r.Shards?.Contains(i) == true)).ToList()
            : Enumerable.Range(0, Math.Max(0, layout.Copies - replies.Count(r => r.Found))).ToList();
        return (replies, missing);
    }

    public async Task<Outcome> RepairAsync(RepairRequest request, CancellationToken cancellationToken)
    {
        if (!ContentHash.TryParse(request.Hash, out var hash))
        {
            throw new ArgumentException($"repair request has a bad hash '{request.Hash}'", nameof(request));
        }

        var layout = ObjectLayout.Parse(request.Layout);
        var (replies, missing) = await InspectAsync(hash, layout, cancellationToken).ConfigureAwait(false);
        hash = layout.StorageId(hash);
        if (missing.Count == 0)
        {
            return Outcome.Healthy;
        }

        var holding = replies.Where(r => r.Found || r.Shards is { Length: > 0 }).Select(r => r.Address).ToHashSet(StringComparer.Ordinal);
        // A copy goes where a PUT of the same bytes would put it, so that the PUT rewrites it rather than adds one.
        using var choice = layout.IsErasureCoded
            ? placement.Choose(missing.Count, layout.ShardLength(request.Size), holding)
            : placement.ChooseFor(hash, missing.Count, request.Size, holding);
        var targets = choice.Addresses;
        if (targets.Count == 0)
        {
            LogNoTarget(hash.Hex, missing.Count);
            return Outcome.PartlyRepaired;
        }

        var rebuild = missing.Take(targets.Count).ToList();
        var done = layout.IsErasureCoded
            ? await RebuildShardsAsync(hash, layout, request.Size, replies, rebuild, targets, cancellationToken).ConfigureAwait(false)
            : await CopyWholeAsync(hash, request.Size, replies, targets, cancellationToken).ConfigureAwait(false);
        if (!done)
        {
            return Outcome.Unrecoverable;
        }

        LogRepaired(hash.Hex, layout.ToString(), string.Join(",", rebuild), string.Join(",", targets));
        return rebuild.Count == missing.Count ? Outcome.Repaired : Outcome.PartlyRepaired;
    }

    private async Task<bool> RebuildShardsAsync(
        ContentHash hash, ObjectLayout layout, long size, IReadOnlyList<LocateReply> replies, IReadOnlyList<int> rebuild, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        StripedSource source;
        try
        {
            source = await StripedSource.OpenAsync(
                layout, hash, size, new ByteRange(0, size - 1), replies, dataNodes, codecs.For(layout), (_, _) => { }, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            LogUnrecoverable(hash.Hex, ex.Message);
            return false;
        }

        await using var owned = source;
        var codec = codecs.For(layout);
        var shardLength = layout.ShardLength(size);
        if (shardLength <= StoredWholeUpToBytes)
        {
            var rebuilt = rebuild.Select(_ => ArrayPool<byte>.Shared.Rent((int)shardLength)).ToArray();
            try
            {
                await source.ReadStripesAsync(
                    async (stripe, shards, present) =>
                    {
                        codec.Reconstruct(shards, present);
                        for (var i = 0; i < rebuild.Count; i++)
                        {
                            shards[rebuild[i]].CopyTo(rebuilt[i].AsMemory((int)(stripe * ObjectLayout.CellSize)));
                        }

                        await PaceAsync((long)ObjectLayout.CellSize * rebuild.Count, cancellationToken).ConfigureAwait(false);
                    },
                    cancellationToken).ConfigureAwait(false);
                await StoreWholeAsync(rebuild.Select((shard, i) => (targets[i], new StoredKey(hash, shard), (ReadOnlyMemory<byte>)rebuilt[i].AsMemory(0, (int)shardLength))), cancellationToken).ConfigureAwait(false);
                return true;
            }
            finally
            {
                foreach (var buffer in rebuilt)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }

        var uploads = ShardUploadSet.Start(dataNodes, targets, shardLength, shards: true, cancellationToken);
        try
        {
            await source.ReadStripesAsync(
                async (_, shards, present) =>
                {
                    codec.Reconstruct(shards, present);
                    for (var i = 0; i < rebuild.Count; i++)
                    {
                        await uploads.WriteAsync(i, shards[rebuild[i]], cancellationToken).ConfigureAwait(false);
                    }

                    await PaceAsync((long)ObjectLayout.CellSize * rebuild.Count, cancellationToken).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            await uploads.CompleteAsync().ConfigureAwait(false);
            await uploads.CommitAsync(rebuild.Select(i => new StoredKey(hash, i)).ToList(), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex)
        {
            await uploads.AbortAsync(ex).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<bool> CopyWholeAsync(ContentHash hash, long size, IReadOnlyList<LocateReply> replies, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        foreach (var holder in replies.Where(r => r.Found).Select(r => r.Address))
        {
            var opened = await dataNodes.OpenReadAsync(holder, hash, range: null, cancellationToken).ConfigureAwait(false);
            if (opened is null)
            {
                continue;
            }

            if (size <= StoredWholeUpToBytes)
            {
                await using var small = opened;
                if (await CopySmallAsync(hash, size, holder, small, targets, cancellationToken).ConfigureAwait(false))
                {
                    return true;
                }

                continue;
            }

            var uploads = ShardUploadSet.Start(dataNodes, targets, size, shards: false, cancellationToken);
            var buffer = ArrayPool<byte>.Shared.Rent(ObjectLayout.CellSize);
            try
            {
                await using var body = opened;
                while (true)
                {
                    int read;
                    try
                    {
                        read = await body.ReadAtLeastAsync(buffer.AsMemory(0, ObjectLayout.CellSize), ObjectLayout.CellSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                    }
                    catch (IOException ex)
                    {
                        // The holder cut its stream (a bad block, or it died): its copy is no source, another may be.
                        LogHolderFailed(holder, hash.Hex, ex.Message);
                        await uploads.AbortAsync(ex).ConfigureAwait(false);
                        break;
                    }

                    if (read == 0)
                    {
                        await uploads.CompleteAsync().ConfigureAwait(false);
                        await uploads.CommitAsync(targets.Select(_ => (StoredKey)hash).ToList(), cancellationToken).ConfigureAwait(false);
                        return true;
                    }

                    for (var i = 0; i < targets.Count; i++)
                    {
                        await uploads.WriteAsync(i, buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    }

                    await PaceAsync((long)read * targets.Count, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                await uploads.AbortAsync(ex).ConfigureAwait(false);
                throw;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        LogUnrecoverable(hash.Hex, "no live node has an intact whole copy");
        return false;
    }

    /// <summary>
    /// Reads a whole copy of <paramref name="size"/> bytes and stores it on every target in one request each (each
    /// target checks it against its hash). False when the holder could not serve exactly those bytes (it cut the
    /// stream at a bad block, or holds another length): the next holder is tried.
    /// </summary>
    private async Task<bool> CopySmallAsync(ContentHash hash, long size, string holder, Stream body, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)size + 1);
        try
        {
            int read;
            try
            {
                read = await body.ReadAtLeastAsync(buffer.AsMemory(0, (int)size + 1), (int)size + 1, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                LogHolderFailed(holder, hash.Hex, ex.Message);
                return false;
            }

            if (read != size)
            {
                LogHolderFailed(holder, hash.Hex, $"served {read} bytes of a {size}-byte copy");
                return false;
            }

            await PaceAsync(size * targets.Count, cancellationToken).ConfigureAwait(false);
            await StoreWholeAsync(targets.Select(target => (target, (StoredKey)hash, (ReadOnlyMemory<byte>)buffer.AsMemory(0, (int)size))), cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Stores each piece on its target in one request. The pieces that landed stay when another fails (each is a
    /// valid piece of the content); the failure is thrown, so the repair is tried again and finds fewer missing.
    /// </summary>
    private async Task StoreWholeAsync(IEnumerable<(string Target, StoredKey Key, ReadOnlyMemory<byte> Bytes)> pieces, CancellationToken cancellationToken)
    {
        var stores = pieces.Select(async piece =>
        {
            var sums = new DataNodeProtocol.BlockChecksums();
            sums.Append(piece.Bytes.Span);
            var expected = sums.ToString();
            var result = await dataNodes.StoreAsync(piece.Target, piece.Key, piece.Bytes, expected, cancellationToken).ConfigureAwait(false);
            if (result.Size != piece.Bytes.Length || result.BlockChecksum != expected)
            {
                throw new DataNodeException(piece.Target, $"stored {result.Size} bytes with block checksum {result.BlockChecksum}, sent {piece.Bytes.Length} with {expected}");
            }
        });
        await Task.WhenAll(stores).ConfigureAwait(false);
    }

    /// <summary>Waits until writing <paramref name="bytes"/> more keeps every repair of this process under the configured rate.</summary>
    private async Task PaceAsync(long bytes, CancellationToken cancellationToken)
    {
        var cost = (long)(bytes * (double)time.TimestampFrequency / options.Value.RepairBytesPerSecond);
        long wait;
        lock (_pace)
        {
            var now = time.GetTimestamp();
            var start = Math.Max(now, _pacedUntil);
            _pacedUntil = start + cost;
            wait = start - now;
        }

        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds((double)wait / time.TimestampFrequency), time, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repaired {Hash} ({Layout}): rebuilt {Shards} on {Targets}")]
    private partial void LogRepaired(string hash, string layout, string shards, string targets);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Hash} is missing {Missing} shard(s) but every live node already holds one of it; waiting for more nodes")]
    private partial void LogNoTarget(string hash, int missing);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data node {Address} could not serve its copy of {Hash} ({Reason}); trying another holder")]
    private partial void LogHolderFailed(string address, string hash, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Hash} cannot be repaired now: {Reason}")]
    private partial void LogUnrecoverable(string hash, string reason);
}
