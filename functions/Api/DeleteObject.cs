using Microsoft.AspNetCore.Http;
using ObjectStore.Api.Edge;
using ObjectStore.Functions;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Api;

public sealed class DeleteObject(ObjectWriter objects)
{
    [Function(nameof(DeleteObject))]
    public Task<IResult> Run([HttpTrigger("DELETE", Route = "objects/{*name}")] HttpRequest request, CancellationToken cancellationToken) =>
        ApiHttp.RunAsync(request, "objects", async name => Results.Json(await objects.DeleteAsync(name, cancellationToken)));
}
