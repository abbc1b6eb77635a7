using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Http;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

/// <summary>
/// Several small copies or shards in one request (<see cref="DataNodeProtocol.StoreBatchRoute"/>): what the Api sends a
/// node while its previous store there is in flight, so that concurrent small PUTs share a request and a flush.
/// </summary>
public sealed class StoreBatch(LocalVolumeStore store)
{
    [Function(nameof(StoreBatch))]
    public async Task<IResult> Run([HttpTrigger(AuthorizationLevel.Function, "post", Route = DataNodeProtocol.StoreBatchRoute)] HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return Results.Json(await store.StoreBatchAsync(request.Body, cancellationToken));
        }
        catch (StoreBatchFormatException ex)
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, ex.Message);
        }
    }
}
