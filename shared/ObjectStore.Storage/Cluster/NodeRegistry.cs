using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ObjectStore.Storage.Cluster;

/// <summary>
/// A data node as the Api last heard of it; <see cref="Volume"/>: its filesystem, shared by nodes on one disk;
/// <see cref="Instance"/> and <see cref="Quarantined"/>: as its <see cref="Heartbeat"/> said.
/// </summary>
public sealed record DataNodeInfo(string Address, DateTimeOffset LastHeartbeat, long FreeBytes, string? Volume = null, string? Instance = null, long Quarantined = 0);

/// <summary>
/// The live data nodes, fed by heartbeats. Liveness is computed from the last heartbeat on every read, so the
/// answer is right even between expiry sweeps; the sweep only forgets dead nodes and tells listeners.
/// </summary>
public sealed partial class NodeRegistry(TimeProvider time, IOptions<ObjectStoreOptions> options, ILogger<NodeRegistry> logger)
{
    private readonly ConcurrentDictionary<string, DataNodeInfo> _nodes = new(StringComparer.Ordinal);

    /// <summary>Raised with the address of each node the sweep drops.</summary>
    public event Action<string>? NodeExpired;

    public void Record(Heartbeat heartbeat)
    {
        // The receive time, not the sender's clock: expiry must not depend on clocks agreeing.
        var info = new DataNodeInfo(heartbeat.Address, time.GetUtcNow(), heartbeat.FreeBytes, heartbeat.Volume, heartbeat.Instance, heartbeat.Quarantined);
        if (_nodes.TryAdd(heartbeat.Address, info))
        {
            LogNodeJoined(heartbeat.Address);
        }
        else
        {
            _nodes[heartbeat.Address] = info;
        }
    }

    public IReadOnlyList<DataNodeInfo> LiveNodes()
    {
        var oldest = time.GetUtcNow() - options.Value.NodeExpiry;
        return _nodes.Values.Where(n => n.LastHeartbeat >= oldest).OrderBy(n => n.Address, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// A node refused a connection: stop choosing it now rather than after the expiry period; its next heartbeat
    /// brings it back.
    /// </summary>
    public void Suspect(string address)
    {
        if (_nodes.TryRemove(address, out _))
        {
            LogNodeSuspected(address);
            NodeExpired?.Invoke(address);
        }
    }

    public IReadOnlyList<string> ExpireDeadNodes()
    {
        var oldest = time.GetUtcNow() - options.Value.NodeExpiry;
        var expired = new List<string>();
        foreach (var (address, info) in _nodes)
        {
            if (info.LastHeartbeat < oldest && _nodes.TryRemove(new KeyValuePair<string, DataNodeInfo>(address, info)))
            {
                expired.Add(address);
                LogNodeExpired(address, info.LastHeartbeat);
                NodeExpired?.Invoke(address);
            }
        }

        return expired;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Data node {Address} joined")]
    private partial void LogNodeJoined(string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data node {Address} refused a connection; not used until its next heartbeat")]
    private partial void LogNodeSuspected(string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data node {Address} expired; last heartbeat {LastHeartbeat:o}")]
    private partial void LogNodeExpired(string address, DateTimeOffset lastHeartbeat);
}
