using Microsoft.AspNetCore.Http;
using ObjectStore.Functions;
using ObjectStore.Storage.Cluster;

namespace ObjectStore.Api;

public sealed class ListNodes(NodeRegistry registry)
{
    [Function(nameof(ListNodes))]
    public IResult Run([HttpTrigger("GET", Route = "nodes")] HttpRequest request) => Results.Json(registry.LiveNodes());
}
