using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Api.Edge;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Api;

public sealed class LocateObject(ObjectReader objects)
{
    [Function(nameof(LocateObject))]
    public Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "locate/{*name}")] HttpRequest request, CancellationToken cancellationToken) =>
        ApiHttp.RunAsync(request, "locate", async name =>
            ApiHttp.TryParseVersion(request, out var version, out var error)
                ? Results.Json(await objects.LocateAsync(name, version, cancellationToken))
                : error!);
}
