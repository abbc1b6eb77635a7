using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.RabbitMQ;
using ObjectStore.Storage.Metadata;

namespace ObjectStore.Api;

/// <summary>Another Api instance wrote a name: drop this instance's cached latest version of it.</summary>
public sealed class ForgetCachedMetadata(CachingMetadataStore cache)
{
    [Function(nameof(ForgetCachedMetadata))]
    public void Run([RabbitMQTrigger("%ObjectStore:MetadataQueue%", ConnectionStringSetting = "RabbitMQConnection"), RabbitMQExchange("%ObjectStore:MetadataExchange%")] MetadataChanged change) => cache.Forget(change);
}
