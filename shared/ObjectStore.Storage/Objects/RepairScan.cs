using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// Walks every live version's content and schedules a repair for content that has been missing shards (or copies)
/// for longer than <see cref="ObjectStoreOptions.RepairGracePeriod"/>, so that a node restarting is not rebuilt
/// around while a node that is gone for good is. Cost: one locate round per distinct content per scan, and each
/// reaches every node; a store with millions of objects would want a per-node shard index instead. So a run is skipped
/// while nothing that loses pieces can have happened since a scan found every piece: the same live nodes, none
/// restarted (a replaced disk), none has moved a damaged file aside (the scrub's and readers' finds) — pieces are
/// otherwise lost only behind a node's back, which a run every <see cref="ObjectStoreOptions.RepairRescanInterval"/>
/// still catches. Without this, a store of 60,000 contents kept the bus and every node busy all the time.
/// </summary>
public sealed partial class RepairScan(
    IMetadataStore metadata,
    ShardRepairer repairer,
    RepairScheduler scheduler,
    NodeRegistry registry,
    IOptions<ObjectStoreOptions> options,
    TimeProvider time,
    ILogger<RepairScan> logger)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _missingSince = new(StringComparer.Ordinal);
    private string? _wholeAt;
    private DateTimeOffset _wholeSince;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        // What the nodes said at the start: a change during the run is seen by the next one.
        var nodes = Fingerprint(registry.LiveNodes());
        if (nodes == _wholeAt && time.GetUtcNow() - _wholeSince < options.Value.RepairRescanInterval)
        {
            LogSkipped(_wholeSince);
            return 0;
        }

        _wholeAt = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var scheduled = 0;
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
            if (missing.Count == 0)
            {
                _missingSince.TryRemove(version.Hash, out _);
                continue;
            }

            var now = time.GetUtcNow();
            var since = _missingSince.GetOrAdd(version.Hash, now);
            if (now - since >= options.Value.RepairGracePeriod)
            {
                await scheduler.ScheduleAsync(new RepairRequest(version.Hash, version.Layout, version.Size, $"{missing.Count} shard(s) missing since {since:o}"), cancellationToken).ConfigureAwait(false);
                scheduled++;
            }
        }

        foreach (var gone in _missingSince.Keys.Where(k => !seen.Contains(k)))
        {
            _missingSince.TryRemove(gone, out _);
        }

        if (scheduled > 0)
        {
            LogScanned(seen.Count, scheduled);
        }

        if (_missingSince.IsEmpty)
        {
            (_wholeAt, _wholeSince) = (nodes, time.GetUtcNow());
        }

        return scheduled;
    }

    private static string Fingerprint(IReadOnlyList<DataNodeInfo> nodes) =>
        string.Join(';', nodes.OrderBy(n => n.Address, StringComparer.Ordinal).Select(n => $"{n.Address} {n.Instance} {n.Quarantined}"));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Repair scan skipped: the nodes are as they were when a scan at {Since:o} found every piece")]
    private partial void LogSkipped(DateTimeOffset since);

    [LoggerMessage(Level = LogLevel.Information, Message = "Repair scan: {Contents} contents checked, {Scheduled} repairs scheduled")]
    private partial void LogScanned(int contents, int scheduled);
}
