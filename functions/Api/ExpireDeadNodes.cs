using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Timers;
using ObjectStore.Storage.Cluster;

namespace ObjectStore.Api;

/// <summary>
/// Forgets nodes whose heartbeats stopped. Not a singleton: the registry lives in each Api instance's memory,
/// so each instance must sweep its own (reads already ignore stale nodes; the sweep frees them and clears caches).
/// </summary>
public sealed class ExpireDeadNodes(NodeRegistry registry)
{
    [Function(nameof(ExpireDeadNodes))]
    [RunOnEveryInstance]
    public void Run([TimerTrigger("%ObjectStore:ExpireDeadNodesSchedule%")] TimerInfo timer) =>
        registry.ExpireDeadNodes();
}
