using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Timers;
using ObjectStore.Functions.RabbitMQ;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

/// <summary>Announces this node on <c>apiServers</c>. Every node beats for itself, so not a singleton.</summary>
public sealed class Heartbeat(RabbitMQBus bus, LocalVolumeStore store, IOptions<DataNodeOptions> options, IOptions<Storage.ObjectStoreOptions> storeOptions, TimeProvider time)
{
    [Function(nameof(Heartbeat))]
    [RunOnEveryInstance]
    public Task Run(
        [TimerTrigger("%ObjectStore:HeartbeatSchedule%", RunOnStartup = true)] TimerInfo timer,
        CancellationToken cancellationToken)
    {
        var beat = new Storage.Cluster.Heartbeat(options.Value.PublicAddress, store.FreeBytes, time.GetUtcNow(), store.VolumeId, store.Instance, store.Quarantined);
        return bus.PublishAsync(storeOptions.Value.HeartbeatExchange, JsonSerializer.SerializeToUtf8Bytes(beat, ClusterJson.Default.Heartbeat), cancellationToken);
    }
}
