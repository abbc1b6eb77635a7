using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Timers;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

/// <summary>Reclaims the space of deleted small objects: packs mostly dead are copied forward and removed. Each node its own volume.</summary>
public sealed class CompactPacks(LocalVolumeStore store)
{
    [Function(nameof(CompactPacks))]
    [RunOnEveryInstance]
    public Task Run([TimerTrigger("%ObjectStore:CompactSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        store.CompactPacksAsync(cancellationToken);
}
