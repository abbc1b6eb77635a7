using Microsoft.Azure.Functions.Worker;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Api;

/// <summary>Finds content that lost shards to a node gone longer than the grace period. A singleton: one scan for the whole Api tier.</summary>
public sealed class ScanForLostShards(RepairScan scan)
{
    [Function(nameof(ScanForLostShards))]
    public Task Run([TimerTrigger("%ObjectStore:RepairScanSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        scan.RunAsync(cancellationToken);
}
