using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Api.Edge;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Api;

public sealed class ListVersions(ObjectReader objects)
{
    [Function(nameof(ListVersions))]
    public Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "versions/{*name}")] HttpRequest request, CancellationToken cancellationToken) =>
        ApiHttp.RunAsync(request, "versions", async name => Results.Json(await objects.ListVersionsAsync(name, cancellationToken)));
}
