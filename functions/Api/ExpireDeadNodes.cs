using ObjectStore.Functions;
using ObjectStore.Storage.Cluster;

namespace ObjectStore.Api;

/// <summary>
/// Forgets nodes whose heartbeats stopped. Not a singleton: the registry lives in each Api instance's memory,
/// so each instance must sweep its own (reads already ignore stale nodes; the sweep frees them and clears caches).
/// </summary>
public sealed class ExpireDeadNodes(NodeRegistry registry)
{
    [Function(nameof(ExpireDeadNodes))]
    public void Run([TimerTrigger("%ObjectStore:ExpireDeadNodesSchedule%", Singleton = false)] ObjectStore.Functions.TimerInfo timer) =>
        registry.ExpireDeadNodes();
}
