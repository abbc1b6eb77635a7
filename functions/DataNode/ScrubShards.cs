using Microsoft.Extensions.Options;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Timers;
using ObjectStore.Storage;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

/// <summary>Checks stored shards block by block at a bounded rate; each node scrubs its own volume, so not a singleton.</summary>
public sealed class ScrubShards(VolumeScrubber scrubber, IOptions<ObjectStoreOptions> options)
{
    [Function(nameof(ScrubShards))]
    [RunOnEveryInstance]
    public Task Run([TimerTrigger("%ObjectStore:ScrubSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        scrubber.ScrubAsync(options.Value.ScrubBytesPerSecond, options.Value.ScrubBytesPerRun, cancellationToken, options.Value.ScrubFileCostBytes);
}
