using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Api.Edge;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Api;

/// <summary><c>GET /names?prefix=&amp;after=&amp;limit=&amp;deleted=</c>: a page of names in order, each with its latest version.</summary>
public sealed class ListNames(ObjectReader objects)
{
    [Function(nameof(ListNames))]
    public Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "names")] HttpRequest request, CancellationToken cancellationToken) =>
        ApiHttp.RunListingAsync(request, async query => Results.Json(await objects.ListNamesAsync(query.Prefix, query.After, query.Limit, query.IncludeDeleted, cancellationToken)));
}
