using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Http;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

public sealed class DeleteObject(LocalVolumeStore store)
{
    [Function(nameof(DeleteObject))]
    public IResult Run([HttpTrigger(AuthorizationLevel.Function, "delete", Route = DataNodeProtocol.ObjectRoute)] HttpRequest request, string key) =>
        !StoredKey.TryParse(key, out var storedKey) ? ErrorResults.Error(StatusCodes.Status400BadRequest, "key must be a 64-hex-digit hash with an optional .shard")
        : store.Delete(storedKey) ? Results.NoContent()
        : ErrorResults.Error(StatusCodes.Status404NotFound, $"object {storedKey} not stored here");
}
