using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Http;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

public sealed class DeleteTemp(LocalVolumeStore store)
{
    [Function(nameof(DeleteTemp))]
    public IResult Run([HttpTrigger(AuthorizationLevel.Function, "delete", Route = DataNodeProtocol.TempRoute)] HttpRequest request, string id) =>
        !LocalVolumeStore.IsValidTempId(id) ? ErrorResults.Error(StatusCodes.Status400BadRequest, "temp id must be 32 lower-case hex digits")
        : store.DeleteTemp(id) ? Results.NoContent()
        : ErrorResults.Error(StatusCodes.Status404NotFound, $"no temp upload {id}");
}
