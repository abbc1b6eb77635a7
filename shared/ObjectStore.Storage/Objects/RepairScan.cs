using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// Finds content that has been missing shards (or copies) for longer than <see cref="ObjectStoreOptions.RepairGracePeriod"/>
/// and schedules its repair, so that a node restarting is not rebuilt around while a node that is gone for good is.
/// <list type="bullet">
/// <item>With content records (etcd): every live node's listing (paged, in key order) is merged with the records (in
/// the same order), so a scan costs a few requests per node, whatever the number of contents.</item>
/// <item>Without them (Blob Storage): one locate round per distinct content, each reaching every node, paced.</item>
/// </list>
/// A run is skipped while nothing that loses pieces can have happened since a scan found every piece: the same live
/// nodes, none restarted (a replaced disk), none has moved a damaged file aside (the scrub's and readers' finds).
/// Pieces are otherwise lost only behind a node's back, which a run every
/// <see cref="ObjectStoreOptions.RepairRescanInterval"/> still catches. A piece seen missing is only a suspicion (a PUT
/// may have stored it after its node's listing passed; the repair looks again before it rebuilds anything).
/// <para>With content records the scan also removes surplus whole copies: of more copies than the layout's, those on
/// the holders the content ranks first (<see cref="NodePlacement.RankFor"/>, as a PUT or a repair would place it now)
/// stay and the others are deleted once they have been surplus for the grace period, each only as listed (a PUT that
/// stored it again since keeps it). They come from content stored before copies were placed by rank, or stored (or
/// repaired) while a ranked node was down and stored again once it was back.</para>
/// </summary>
public sealed partial class RepairScan(
    IMetadataStore metadata,
    IDataNodeClient dataNodes,
    ShardRepairer repairer,
    RepairScheduler scheduler,
    NodeRegistry registry,
    NodePlacement placement,
    IOptions<ObjectStoreOptions> options,
    TimeProvider time,
    ILogger<RepairScan> logger)
{
    private readonly Dictionary<string, DateTimeOffset> _missingSince = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _surplusSince = new(StringComparer.Ordinal);
    private string? _wholeAt;
    private DateTimeOffset _wholeSince;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        // What the nodes said at the start: a change during the run is seen by the next one.
        var live = registry.LiveNodes();
        var nodes = Fingerprint(live);
        if (nodes == _wholeAt && time.GetUtcNow() - _wholeSince < options.Value.RepairRescanInterval)
        {
            LogSkipped(_wholeSince);
            return 0;
        }

        _wholeAt = null;
        var missingNow = new HashSet<string>(StringComparer.Ordinal);
        var surplusNow = new HashSet<string>(StringComparer.Ordinal);
        var scheduled = 0;
        var trimmed = 0;
        var contents = 0;
        var started = time.GetTimestamp();
        var inspected = metadata.TracksContent ? ByListingsAsync(live, cancellationToken) : ByLocatesAsync(cancellationToken);
        try
        {
            await foreach (var content in inspected.ConfigureAwait(false))
            {
                contents++;
                if (content.Surplus.Count > 0)
                {
                    surplusNow.Add(content.Key);
                    trimmed += await TrimAsync(content, cancellationToken).ConfigureAwait(false);
                }

                if (content.Missing == 0)
                {
                    continue;
                }

                missingNow.Add(content.Key);
                var now = time.GetUtcNow();
                if (!_missingSince.TryGetValue(content.Key, out var since))
                {
                    _missingSince[content.Key] = since = now;
                }

                if (now - since >= options.Value.RepairGracePeriod)
                {
                    await scheduler.ScheduleAsync(new RepairRequest(content.Hash, content.Layout, content.Size, $"{content.Missing} shard(s) missing since {since:o}"), cancellationToken).ConfigureAwait(false);
                    scheduled++;
                }
            }
        }
        catch (DataNodeException ex)
        {
            // A node that cannot list is not evidence of anything missing: what was not reached waits for the next run.
            LogListingFailed(ex.Address, ex.Message);
            return scheduled;
        }

        // Content seen whole, or gone, is no longer suspected.
        foreach (var cleared in _missingSince.Keys.Where(k => !missingNow.Contains(k)).ToList())
        {
            _missingSince.Remove(cleared);
        }

        foreach (var cleared in _surplusSince.Keys.Where(k => !surplusNow.Contains(k)).ToList())
        {
            _surplusSince.Remove(cleared);
        }

        LogScanned(contents, time.GetElapsedTime(started).TotalSeconds, scheduled, trimmed);

        if (_missingSince.Count == 0 && _surplusSince.Count == 0)
        {
            (_wholeAt, _wholeSince) = (nodes, time.GetUtcNow());
        }

        return scheduled;
    }

    /// <summary>Deletes the surplus copies of <paramref name="content"/> that have been surplus for the grace period; how many went.</summary>
    private async Task<int> TrimAsync(Inspected content, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!_surplusSince.TryGetValue(content.Key, out var since))
        {
            _surplusSince[content.Key] = since = now;
        }

        if (now - since < options.Value.RepairGracePeriod)
        {
            return 0;
        }

        var deleted = 0;
        foreach (var copy in content.Surplus)
        {
            try
            {
                if (await dataNodes.DeleteAsync(copy.Address, copy.Key, copy.Written, cancellationToken).ConfigureAwait(false))
                {
                    deleted++;
                    LogTrimmed(copy.Key.FileName, copy.Address);
                }
            }
            catch (DataNodeException ex)
            {
                // The copy stays: one more than needed, until a later run.
                LogTrimFailed(copy.Key.FileName, copy.Address, ex.Message);
            }
        }

        return deleted;
    }

    private async IAsyncEnumerable<Inspected> ByListingsAsync(IReadOnlyList<DataNodeInfo> live, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var listings = live.Select(n => new HeldKeys(dataNodes, n.Address, options.Value.SweepPageSize)).ToList();
        try
        {
            await foreach (var record in metadata.ScanContentAsync(cancellationToken).ConfigureAwait(false))
            {
                if (record.State != ContentState.Live || record.References == 0 || !ContentHash.TryParse(record.StorageId, out var id))
                {
                    continue;
                }

                var layout = ObjectLayout.Parse(record.Layout);
                var shards = new bool[layout.TotalShards];
                var copies = new List<Copy>();
                foreach (var listing in listings)
                {
                    foreach (var (key, written) in await listing.KeysOfAsync(id, cancellationToken).ConfigureAwait(false))
                    {
                        if (key.Shard is { } shard && shard < layout.TotalShards)
                        {
                            shards[shard] = true;
                        }
                        else if (key.Shard is null && !layout.IsErasureCoded)
                        {
                            copies.Add(new Copy(listing.Address, key, written));
                        }
                    }
                }

                var missing = layout.IsErasureCoded ? shards.Count(held => !held) : Math.Max(0, layout.Copies - copies.Count);
                yield return new Inspected(record.StorageId, record.Hash, record.Layout, record.Size, missing, Surplus(id, layout, record.Size, copies));
            }
        }
        finally
        {
            foreach (var listing in listings)
            {
                await listing.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Copies beyond the layout's count: the holders the content ranks first (<see cref="NodePlacement.RankFor"/>) keep
    /// theirs, the others are surplus. Copies off the ranked nodes (a repair or a PUT while a ranked node was down) so
    /// end up on the best-ranked holders, and a later PUT of the same bytes, which stores on the ranked nodes, adds a
    /// copy that the next trim balances again; a holder that ranks nowhere (full, say) goes first.
    /// </summary>
    private IReadOnlyList<Copy> Surplus(ContentHash id, ObjectLayout layout, long size, List<Copy> copies)
    {
        if (layout.IsErasureCoded || copies.Count <= layout.Copies)
        {
            return [];
        }

        var rank = placement.RankFor(id, int.MaxValue, size).Select((address, i) => (address, i)).ToDictionary(r => r.address, r => r.i, StringComparer.Ordinal);
        return copies
            .OrderBy(c => rank.GetValueOrDefault(c.Address, int.MaxValue))
            .ThenBy(c => c.Address, StringComparer.Ordinal)
            .Skip(layout.Copies)
            .ToList();
    }

    private async IAsyncEnumerable<Inspected> ByLocatesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var started = time.GetTimestamp();
        await foreach (var version in metadata.ScanAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!seen.Add(version.Hash) || !ContentHash.TryParse(version.Hash, out var hash))
            {
                continue;
            }

            // Each locate reaches every node: pace the scan so it never competes with clients for the bus and the nodes.
            var due = TimeSpan.FromSeconds((double)seen.Count / options.Value.RepairScanLocatesPerSecond) - time.GetElapsedTime(started);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, time, cancellationToken).ConfigureAwait(false);
            }

            var (_, missing) = await repairer.InspectAsync(hash, ObjectLayout.Parse(version.Layout), cancellationToken).ConfigureAwait(false);
            yield return new Inspected(version.Hash, version.Hash, version.Layout, version.Size, missing.Count, []);
        }
    }

    private static string Fingerprint(IReadOnlyList<DataNodeInfo> nodes) =>
        string.Join(';', nodes.OrderBy(n => n.Address, StringComparer.Ordinal).Select(n => $"{n.Address} {n.Instance} {n.Quarantined}"));

    /// <param name="Key">What suspicion is kept under: the storage id (the same bytes may be stored in two layouts), or
    /// the hash where there are no records.</param>
    private readonly record struct Inspected(string Key, string Hash, string Layout, long Size, int Missing, IReadOnlyList<Copy> Surplus);

    /// <summary>A whole copy as a node listed it.</summary>
    private readonly record struct Copy(string Address, StoredKey Key, DateTimeOffset Written);

    /// <summary>One node's keys, read a page at a time as the records' storage ids advance.</summary>
    private sealed class HeldKeys(IDataNodeClient dataNodes, string address, int pageSize) : IAsyncDisposable
    {
        public string Address => address;

        private IAsyncEnumerator<IReadOnlyList<HeldKey>>? _pages;
        private IReadOnlyList<HeldKey> _page = [];
        private int _next;
        private bool _ended;

        /// <summary>The keys under <paramref name="id"/>; keys before it (bytes without a record: the collector's) are passed over.</summary>
        public async Task<List<(StoredKey Key, DateTimeOffset Written)>> KeysOfAsync(ContentHash id, CancellationToken cancellationToken)
        {
            var found = new List<(StoredKey, DateTimeOffset)>();
            while (true)
            {
                if (_next == _page.Count)
                {
                    if (_ended)
                    {
                        return found;
                    }

                    _pages ??= dataNodes.ListAllHeldAsync(address, pageSize, cancellationToken).GetAsyncEnumerator(cancellationToken);
                    if (!await _pages.MoveNextAsync().ConfigureAwait(false))
                    {
                        _ended = true;
                        return found;
                    }

                    (_page, _next) = (_pages.Current, 0);
                    continue;
                }

                if (!StoredKey.TryParse(_page[_next].Key, out var key))
                {
                    _next++;
                    continue;
                }

                var order = string.CompareOrdinal(key.Hash.Hex, id.Hex);
                if (order > 0)
                {
                    return found;
                }

                if (order == 0)
                {
                    found.Add((key, _page[_next].Written));
                }

                _next++;
            }
        }

        public ValueTask DisposeAsync() => _pages?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Repair scan skipped: the nodes are as they were when a scan at {Since:o} found every piece")]
    private partial void LogSkipped(DateTimeOffset since);

    [LoggerMessage(Level = LogLevel.Information, Message = "Repair scan: {Contents} contents checked in {Seconds:F1} s, {Scheduled} repairs scheduled, {Trimmed} surplus copies deleted")]
    private partial void LogScanned(int contents, double seconds, int scheduled, int trimmed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Repair scan deleted a surplus copy of {Key} on {Address}: holders the content ranks higher keep enough copies")]
    private partial void LogTrimmed(string key, string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair scan could not delete a surplus copy of {Key} on {Address} ({Reason}); a later run tries again")]
    private partial void LogTrimFailed(string key, string address, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair scan stopped: could not list {Address} ({Reason}); the next run tries again")]
    private partial void LogListingFailed(string address, string reason);
}
