using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Api.Edge;

namespace ObjectStore.Api;

public sealed class HeadObject(ObjectDownloads downloads)
{
    [Function(nameof(HeadObject))]
    public Task<IResult> Run([HttpTrigger(AuthorizationLevel.Anonymous, "head", Route = "objects/{*name}")] HttpRequest request, CancellationToken cancellationToken) =>
        ApiHttp.RunAsync(request, "objects", name => downloads.PrepareAsync(request, name, headOnly: true, cancellationToken));
}
