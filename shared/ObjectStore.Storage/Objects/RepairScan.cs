using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// Walks every live version's content and schedules a repair for content that has been missing shards (or copies)
/// for longer than <see cref="ObjectStoreOptions.RepairGracePeriod"/>, so that a node restarting is not rebuilt
/// around while a node that is gone for good is. Cost: one locate round per distinct content per scan; a store with
/// millions of objects would want a per-node shard index instead.
/// </summary>
public sealed partial class RepairScan(
    IMetadataStore metadata,
    ShardRepairer repairer,
    RepairScheduler scheduler,
    IOptions<ObjectStoreOptions> options,
    TimeProvider time,
    ILogger<RepairScan> logger)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _missingSince = new(StringComparer.Ordinal);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
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

        return scheduled;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Repair scan: {Contents} contents checked, {Scheduled} repairs scheduled")]
    private partial void LogScanned(int contents, int scheduled);
}
