using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Hosting;
using ObjectStore.Functions.RabbitMQ;
using ObjectStore.Storage.Cluster;

namespace ObjectStore.Api;

public sealed class RecordHeartbeat(NodeRegistry registry)
{
    [Function(nameof(RecordHeartbeat))]
    public void Run([RabbitMQTrigger("%ObjectStore:HeartbeatQueue%", ConnectionStringSetting = "RabbitMQConnection"), RabbitMQExchange(Exchanges.ApiServers)] Heartbeat heartbeat)
    {
        if (!ClusterAddress.IsValid(heartbeat.Address))
        {
            throw new FunctionBindingException($"heartbeat address '{heartbeat.Address}' is not host:port");
        }

        registry.Record(heartbeat);
    }
}
