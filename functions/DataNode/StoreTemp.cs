using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Http;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

/// <summary>Receives an upload as a temp file; it becomes an object only when <see cref="CommitTemp"/> confirms its hash.</summary>
public sealed class StoreTemp(LocalVolumeStore store)
{
    [Function(nameof(StoreTemp))]
    public async Task<IResult> Run([HttpTrigger(AuthorizationLevel.Function, "put", Route = DataNodeProtocol.TempRoute)] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (!LocalVolumeStore.IsValidTempId(id))
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, "temp id must be 32 lower-case hex digits");
        }

        try
        {
            var shard = request.Query.TryGetValue(DataNodeProtocol.ShardQuery, out var flag) && flag == "true";
            var written = await store.WriteTempAsync(id, request.Body, request.ContentLength, cancellationToken, hashContent: !shard);
            return Results.Json(new TempUploadResult(written.Hash.Hex, written.Length, DataNodeProtocol.FormatBlockChecksum(written.BlockChecksum)));
        }
        catch (BodyLengthException ex)
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, ex.Message);
        }
    }
}
