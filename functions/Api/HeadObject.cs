using Microsoft.AspNetCore.Http;
using ObjectStore.Api.Edge;
using ObjectStore.Functions;

namespace ObjectStore.Api;

public sealed class HeadObject(ObjectDownloads downloads)
{
    [Function(nameof(HeadObject))]
    public Task<IResult> Run([HttpTrigger("HEAD", Route = "objects/{*name}")] HttpRequest request, CancellationToken cancellationToken) =>
        ApiHttp.RunAsync(request, "objects", name => downloads.PrepareAsync(request, name, headOnly: true, cancellationToken));
}
