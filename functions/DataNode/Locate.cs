using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Hosting;
using ObjectStore.Functions.RabbitMQ;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

/// <summary>Answers every locate request, found or not, so the asker need not wait out its timeout on a miss.</summary>
public sealed class Locate(RabbitMQBus bus, LocalVolumeStore store, IOptions<DataNodeOptions> options)
{
    [Function(nameof(Locate))]
    public Task Run(
        [RabbitMQTrigger("%ObjectStore:LocateQueue%", ConnectionStringSetting = "RabbitMQConnection"), RabbitMQExchange(Exchanges.DataServers)] LocateRequest request,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        if (!ContentHash.TryParse(request.Hash, out var hash))
        {
            throw new FunctionBindingException("locate request has no valid 64-hex-digit hash");
        }

        var message = RabbitMQBindingData.Properties(context);
        if (string.IsNullOrEmpty(message.ReplyTo))
        {
            throw new FunctionBindingException("locate request has no reply-to address");
        }

        var shards = Enumerable.Range(0, Math.Clamp(request.Shards, 0, StoredKey.MaxShards))
            .Where(i => store.Contains(new StoredKey(hash, i)))
            .ToArray();
        var reply = new LocateReply(options.Value.PublicAddress, hash.Hex, store.Contains(hash), shards);
        return bus.ReplyAsync(message.ReplyTo, message.CorrelationId, JsonSerializer.SerializeToUtf8Bytes(reply, ClusterJson.Default.LocateReply), cancellationToken);
    }
}
