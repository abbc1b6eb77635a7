using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Storage.Cluster;

namespace ObjectStore.Api;

public sealed class ListNodes(NodeRegistry registry)
{
    [Function(nameof(ListNodes))]
    public IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "nodes")] HttpRequest request) => Results.Json(registry.LiveNodes());
}
