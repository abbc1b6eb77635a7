using Microsoft.AspNetCore.Http;
using ObjectStore.Api.Edge;
using ObjectStore.Functions;

namespace ObjectStore.Api;

public sealed class GetObject(ObjectDownloads downloads)
{
    [Function(nameof(GetObject))]
    public Task<IResult> Run([HttpTrigger("GET", Route = "objects/{*name}")] HttpRequest request, CancellationToken cancellationToken) =>
        ApiHttp.RunAsync(request, "objects", name => downloads.PrepareAsync(request, name, headOnly: false, cancellationToken));
}
