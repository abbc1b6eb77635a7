using Microsoft.Azure.Functions.Worker;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Api;

/// <summary>Applies version retention and deletes bytes nothing references (etcd metadata only). A singleton: one collector for the whole Api tier.</summary>
public sealed class CollectGarbage(ContentCollector collector)
{
    [Function(nameof(CollectGarbage))]
    public Task Run([TimerTrigger("%ObjectStore:CollectSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        collector.RunAsync(cancellationToken);
}
