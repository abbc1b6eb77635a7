using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Api.Edge;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Api;

public sealed class DeleteObject(ObjectWriter objects)
{
    [Function(nameof(DeleteObject))]
    public Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "objects/{*name}")] HttpRequest request, CancellationToken cancellationToken) =>
        ApiHttp.RunAsync(request, "objects", async name => Results.Json(await objects.DeleteAsync(name, cancellationToken)));
}
