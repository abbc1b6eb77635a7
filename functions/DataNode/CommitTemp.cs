using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Http;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

public sealed class CommitTemp(LocalVolumeStore store)
{
    [Function(nameof(CommitTemp))]
    public IResult Run([HttpTrigger(AuthorizationLevel.Function, "post", Route = "temp/{id}/commit/{key}")] HttpRequest request, string id, string key)
    {
        if (!LocalVolumeStore.IsValidTempId(id) || !StoredKey.TryParse(key, out var expected))
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, "temp id must be 32 hex digits, key a 64-hex-digit hash with an optional .shard");
        }

        try
        {
            return store.Commit(id, expected)
                ? Results.NoContent()
                : ErrorResults.Error(StatusCodes.Status404NotFound, $"no temp upload {id}");
        }
        catch (HashMismatchException ex)
        {
            return ErrorResults.Error(StatusCodes.Status409Conflict, ex.Message);
        }
    }
}
