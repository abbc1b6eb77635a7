using ObjectStore.Storage.Cluster;

namespace ObjectStore.Storage.Objects;

/// <summary>Chooses the distinct live data nodes a PUT or a repair writes to.</summary>
public sealed class NodePlacement(NodeRegistry registry)
{
    /// <summary>503 before any of the body is read when the layout cannot be honoured.</summary>
    public IReadOnlyList<DataNodeInfo> RequireLiveNodes(ObjectLayout layout)
    {
        var live = registry.LiveNodes();
        if (live.Count < layout.NodesNeeded)
        {
            throw new StoreUnavailableException(live.Count == 0
                ? "no data node is alive; cannot store objects"
                : $"{layout} needs {layout.NodesNeeded} live data nodes, {live.Count} alive; cannot store objects");
        }

        return live;
    }

    public IReadOnlyList<string> Choose(ObjectLayout layout) =>
        RequireLiveNodes(layout).Select(n => n.Address).OrderBy(_ => Random.Shared.Next()).Take(layout.NodesNeeded).ToList();

    /// <summary>A node refused a connection: not chosen again until its next heartbeat.</summary>
    public void Suspect(string address) => registry.Suspect(address);
}
