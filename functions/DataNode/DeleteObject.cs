using Microsoft.AspNetCore.Http;
using ObjectStore.Functions;
using ObjectStore.Functions.Http;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

public sealed class DeleteObject(LocalVolumeStore store)
{
    [Function(nameof(DeleteObject))]
    public IResult Run([HttpTrigger("DELETE", Route = "objects/{hash}")] HttpRequest request, string hash) =>
        !ContentHash.TryParse(hash, out var contentHash) ? ErrorResults.Error(StatusCodes.Status400BadRequest, "hash must be 64 hex digits")
        : store.Delete(contentHash) ? Results.NoContent()
        : ErrorResults.Error(StatusCodes.Status404NotFound, $"object {contentHash} not stored here");
}
