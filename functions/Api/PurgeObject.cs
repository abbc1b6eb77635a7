using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Api.Edge;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Api;

/// <summary><c>DELETE /versions/{name}</c>: every version goes, where <c>DELETE /objects/{name}</c> only adds a delete marker.</summary>
public sealed class PurgeObject(ObjectWriter objects)
{
    [Function(nameof(PurgeObject))]
    public Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "versions/{*name}")] HttpRequest request, CancellationToken cancellationToken) =>
        ApiHttp.RunAsync(request, "versions", async name => Results.Json(await objects.PurgeAsync(name, cancellationToken)));
}
