using ObjectStore.Functions;
using ObjectStore.Functions.Hosting;
using ObjectStore.Storage.Cluster;

namespace ObjectStore.Api;

public sealed class RecordHeartbeat(NodeRegistry registry)
{
    [Function(nameof(RecordHeartbeat))]
    public void Run([RabbitMQTrigger(Exchange = Exchanges.ApiServers)] Heartbeat heartbeat)
    {
        if (!ClusterAddress.IsValid(heartbeat.Address))
        {
            throw new FunctionBindingException($"heartbeat address '{heartbeat.Address}' is not host:port");
        }

        registry.Record(heartbeat);
    }
}
