using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Http;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

public sealed class CommitTemp(LocalVolumeStore store)
{
    [Function(nameof(CommitTemp))]
    public async Task<IResult> Run([HttpTrigger(AuthorizationLevel.Function, "post", Route = DataNodeProtocol.CommitRoute)] HttpRequest request, string id, string key, CancellationToken cancellationToken)
    {
        if (!LocalVolumeStore.IsValidTempId(id) || !StoredKey.TryParse(key, out var expected))
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, "temp id must be 32 hex digits, key a 64-hex-digit hash with an optional .shard");
        }

        try
        {
            return await store.CommitAsync(id, expected, cancellationToken)
                ? Results.NoContent()
                : ErrorResults.Error(DataNodeProtocol.Status.NotHere, $"no temp upload {id}");
        }
        catch (HashMismatchException ex)
        {
            return ErrorResults.Error(DataNodeProtocol.Status.HashMismatch, ex.Message);
        }
    }
}
