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
/// starve client traffic while its pieces are rebuilt.
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
        var uploads = ShardUploadSet.Start(dataNodes, targets, layout.ShardLength(size), shards: true, cancellationToken);
        try
        {
            var codec = codecs.For(layout);
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

            var uploads = ShardUploadSet.Start(dataNodes, targets, size, shards: false, cancellationToken);
            var buffer = ArrayPool<byte>.Shared.Rent(ObjectLayout.CellSize);
            try
            {
                await using var body = opened;
                int read;
                while ((read = await body.ReadAtLeastAsync(buffer.AsMemory(0, ObjectLayout.CellSize), ObjectLayout.CellSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    for (var i = 0; i < targets.Count; i++)
                    {
                        await uploads.WriteAsync(i, buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    }

                    await PaceAsync((long)read * targets.Count, cancellationToken).ConfigureAwait(false);
                }

                await uploads.CompleteAsync().ConfigureAwait(false);
                await uploads.CommitAsync(targets.Select(_ => (StoredKey)hash).ToList(), cancellationToken).ConfigureAwait(false);
                return true;
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

    [LoggerMessage(Level = LogLevel.Error, Message = "{Hash} cannot be repaired now: {Reason}")]
    private partial void LogUnrecoverable(string hash, string reason);
}
