using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// Deletes bytes nothing references (etcd metadata only; a singleton timer runs it, <c>CollectGarbage</c>). In order:
/// <list type="number">
/// <item>Retention: versions beyond the newest <see cref="ObjectStoreOptions.KeepVersions"/>, and names whose latest
/// version is a delete marker older than <see cref="ObjectStoreOptions.DeleteMarkerExpiry"/>, are dropped; their content
/// records lose the references in the same transaction.</item>
/// <item>Content unreferenced for longer than <see cref="ObjectStoreOptions.ContentGracePeriod"/> is claimed (a compare
/// on the record's revision: a PUT that referenced it, or merely looked at it, in the meantime wins), its shards are
/// deleted on the nodes that hold them, and the record becomes a tombstone, removed after another grace period.</item>
/// <item>Every live node's keys are swept against the records: bytes no record knows (a PUT that crashed between its node
/// writes and its commit, a failed PUT's shards, a node that was down during a collection) are deleted once older than
/// the grace period, which exceeds any PUT.</item>
/// </list>
/// </summary>
public sealed partial class ContentCollector(
    [FromKeyedServices(CachingMetadataStore.BackingStore)] IMetadataStore backing,
    NodeRegistry registry,
    IContentLocator locator,
    IDataNodeClient dataNodes,
    IOptions<ObjectStoreOptions> options,
    TimeProvider time,
    ILogger<ContentCollector> logger)
{

    private ObjectStoreOptions Options => options.Value;

    /// <summary>Names, contents and swept files are each handled on a compare of their own, <see cref="ObjectStoreOptions.CollectParallelism"/> at a time.</summary>
    private ParallelOptions InParallel(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = Options.CollectParallelism, CancellationToken = cancellationToken };

    public async Task<CollectionReport> RunAsync(CancellationToken cancellationToken)
    {
        if (backing is not EtcdMetadataStore store)
        {
            return new CollectionReport(0, 0, 0);
        }

        var dropped = await ApplyRetentionAsync(store, cancellationToken).ConfigureAwait(false);
        var collected = await CollectUnreferencedAsync(store, cancellationToken).ConfigureAwait(false);
        var swept = await SweepNodesAsync(store, cancellationToken).ConfigureAwait(false);
        if (dropped + collected + swept > 0)
        {
            LogCollected(dropped, collected, swept);
        }

        return new CollectionReport(dropped, collected, swept);
    }

    private async Task<int> ApplyRetentionAsync(EtcdMetadataStore store, CancellationToken cancellationToken)
    {
        if (Options.KeepVersions <= 0 && Options.DeleteMarkerExpiry is null)
        {
            return 0;
        }

        var dropped = 0;
        var now = time.GetUtcNow();
        await Parallel.ForEachAsync(
            store.ScanHeadsAsync(cancellationToken),
            InParallel(cancellationToken),
            async (scanned, token) =>
            {
                var (name, head, revision) = scanned;
                var expired = head.Deleted && Options.DeleteMarkerExpiry is { } expiry && now - head.Created >= expiry;
                if ((!expired && (Options.KeepVersions <= 0 || head.Version <= Options.KeepVersions)) || !ObjectName.TryCreate(name, out var objectName, out _))
                {
                    return;
                }

                var versions = await store.ListVersionsAsync(objectName!, token).ConfigureAwait(false);
                var drop = expired ? versions : versions.Take(Math.Max(0, versions.Count - Options.KeepVersions)).ToList();
                // A compare that fails (a PUT reviving the name, a commit of the same content) leaves the rest to the next run.
                Interlocked.Add(ref dropped, (await store.TryDropInChunksAsync(name, drop, dropName: expired, revision, token).ConfigureAwait(false)).Dropped);
            }).ConfigureAwait(false);
        return dropped;
    }

    /// <summary>
    /// Every content record in one scan, <see cref="ObjectStoreOptions.CollectParallelism"/> at a time: each is claimed,
    /// finished or removed by a compare on its own revision, so they need no order among them.
    /// </summary>
    private async Task<int> CollectUnreferencedAsync(EtcdMetadataStore store, CancellationToken cancellationToken)
    {
        var collected = 0;
        var now = time.GetUtcNow();
        await Parallel.ForEachAsync(
            store.ScanContentAsync(null, null, cancellationToken),
            InParallel(cancellationToken),
            async (record, token) =>
            {
                if (await CollectAsync(store, record, now, token).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref collected);
                }
            }).ConfigureAwait(false);
        return collected;
    }

    /// <summary>True when this record's bytes were deleted now.</summary>
    private async Task<bool> CollectAsync(EtcdMetadataStore store, ContentRecord record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        switch (record)
        {
            case { State: ContentState.Live, References: 0 } when now - record.Since >= Options.ContentGracePeriod:
                var claimed = record with { State = ContentState.Collecting, Since = now };
                return await store.TryReplaceContentAsync(record, claimed, cancellationToken).ConfigureAwait(false)
                    && await FinishAsync(store, record, cancellationToken).ConfigureAwait(false);
            case { State: ContentState.Collecting }:
                // A previous run stopped midway (this is a singleton: no other collector is at it).
                return await FinishAsync(store, record, cancellationToken).ConfigureAwait(false);
            case { State: ContentState.Collected } when now - record.Since >= Options.ContentGracePeriod:
                await store.TryDeleteContentAsync(record, cancellationToken).ConfigureAwait(false);
                return false;
            default:
                return false;
        }
    }

    /// <summary>Deletes the claimed content's bytes from the nodes holding them, then leaves a tombstone.</summary>
    private async Task<bool> FinishAsync(EtcdMetadataStore store, ContentRecord record, CancellationToken cancellationToken)
    {
        if (!ContentHash.TryParse(record.StorageId, out var id))
        {
            return false;
        }

        var current = await store.FindClaimedAsync(record.StorageId, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return false;
        }

        var layout = ObjectLayout.Parse(record.Layout);
        var replies = await locator.LocateShardsAsync(id, layout.TotalShards, _ => false, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(replies.SelectMany(reply =>
            (reply.Found ? [(StoredKey)id] : Array.Empty<StoredKey>()).Concat((reply.Shards ?? []).Select(s => new StoredKey(id, s)))
                .Select(key => TryDeleteAsync(reply.Address, key, null, cancellationToken)))).ConfigureAwait(false);

        locator.Forget(id);
        return await store.TryReplaceContentAsync(current, current with { State = ContentState.Collected, Since = time.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> SweepNodesAsync(EtcdMetadataStore store, CancellationToken cancellationToken)
    {
        var deleted = 0;
        var oldest = time.GetUtcNow() - Options.ContentGracePeriod;
        foreach (var node in registry.LiveNodes())
        {
            try
            {
                await foreach (var page in dataNodes.ListAllHeldAsync(node.Address, Options.SweepPageSize, cancellationToken).ConfigureAwait(false))
                {
                    deleted += await SweepPageAsync(store, node.Address, page, oldest, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (DataNodeException ex)
            {
                LogSweepFailed(node.Address, ex.Message);
            }
        }

        return deleted;
    }

    /// <summary>Deletes the files of one listed page that are older than <paramref name="oldest"/> and that no live record knows.</summary>
    private async Task<int> SweepPageAsync(EtcdMetadataStore store, string address, IReadOnlyList<HeldKey> page, DateTimeOffset oldest, CancellationToken cancellationToken)
    {
        var old = page.Where(k => k.Written < oldest).Select(k => (Held: k, Parsed: StoredKey.TryParse(k.Key, out var key) ? key : (StoredKey?)null))
            .Where(k => k.Parsed is not null).ToList();
        if (old.Count == 0)
        {
            return 0;
        }

        // The records of this page's range, in one paged range read.
        var known = new Dictionary<string, ContentRecord>(StringComparer.Ordinal);
        var first = old[0].Parsed!.Value.Hash.Hex;
        var last = old[^1].Parsed!.Value.Hash.Hex;
        await foreach (var record in store.ScanContentAsync(first, last + "~", cancellationToken).ConfigureAwait(false))
        {
            known[record.StorageId] = record;
        }

        var deleted = 0;
        var unknown = old.Where(k => !known.TryGetValue(k.Parsed!.Value.Hash.Hex, out var record) || record.State == ContentState.Collected);
        await Parallel.ForEachAsync(
            unknown,
            InParallel(cancellationToken),
            async (k, token) =>
            {
                LogUnknownBytes(address, k.Held.Key, k.Held.Written);
                // Only as listed: a PUT that stored these bytes since (or found them intact) will commit a record for them.
                if (await TryDeleteAsync(address, k.Parsed!.Value, k.Held.Written, token).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref deleted);
                }
            }).ConfigureAwait(false);
        return deleted;
    }

    private async Task<bool> TryDeleteAsync(string address, StoredKey key, DateTimeOffset? writtenBy, CancellationToken cancellationToken)
    {
        try
        {
            return await dataNodes.DeleteAsync(address, key, writtenBy, cancellationToken).ConfigureAwait(false);
        }
        catch (DataNodeException ex)
        {
            // The node's copy stays; the sweep finds it once the node is back.
            LogDeleteFailed(key.FileName, address, ex.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Collector: {Versions} versions dropped by retention, {Contents} unreferenced contents deleted, {Unknown} unknown files swept")]
    private partial void LogCollected(int versions, int contents, int unknown);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep: {Address} holds {Key} (written {Written:o}) that no content record knows; deleting it")]
    private partial void LogUnknownBytes(string address, string key, DateTimeOffset written);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep: could not list {Address}: {Reason}")]
    private partial void LogSweepFailed(string address, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Collector: could not delete {Key} on {Address}: {Reason}")]
    private partial void LogDeleteFailed(string key, string address, string reason);
}

/// <summary>What one collector run did.</summary>
public sealed record CollectionReport(int VersionsDropped, int ContentsCollected, int UnknownFilesDeleted);
