using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Api.Edge;

namespace ObjectStore.Api;

public sealed class GetObject(ObjectDownloads downloads)
{
    [Function(nameof(GetObject))]
    public Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "objects/{*name}")] HttpRequest request, CancellationToken cancellationToken) =>
        ApiHttp.RunAsync(request, "objects", name => downloads.PrepareAsync(request, name, headOnly: false, cancellationToken));
}
