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

            var timings = new PutTimings();
            var version = await objects.PutAsync(name, request.Body, request.ContentLength, digest, cancellationToken, timings);
            // Where the time went (W3C Server Timing; curl -v shows it): the closing note's breakdown, on any PUT.
            request.HttpContext.Response.Headers["Server-Timing"] = timings.ToString();
            return Results.Json(version);
        });
}
