using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Api.Edge;
using ObjectStore.Functions.Http;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Api;

public sealed class PutObject(ObjectWriter objects)
{
    [Function(nameof(PutObject))]
    public Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "objects/{*name}")] HttpRequest request, CancellationToken cancellationToken) =>
        ApiHttp.RunAsync(request, "objects", async name =>
        {
            if (!ContentHash.TryParseDigestHeader(request.Headers["Digest"], out var digest, out var error))
            {
                return ErrorResults.Error(StatusCodes.Status400BadRequest, error);
            }

            var version = await objects.PutAsync(name, request.Body, request.ContentLength, digest, cancellationToken);
            return Results.Json(version);
        });
}
