using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Http;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

/// <summary>
/// A whole object in one request: stored, checked against the hash its key names, and published (fsynced, renamed,
/// directory fsynced) before the answer — the Api's small PUTs, one round trip per copy instead of two.
/// </summary>
public sealed class StoreObject(LocalVolumeStore store)
{
    [Function(nameof(StoreObject))]
    public async Task<IResult> Run([HttpTrigger(AuthorizationLevel.Function, "put", Route = DataNodeProtocol.ObjectRoute)] HttpRequest request, string key, CancellationToken cancellationToken)
    {
        if (!StoredKey.TryParse(key, out var storedKey) || storedKey.Shard is not null)
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, "key must be a 64-hex-digit hash: only whole objects are stored in one request");
        }

        try
        {
            var written = await store.StoreAsync(storedKey, request.Body, request.ContentLength, cancellationToken);
            return Results.Json(new TempUploadResult(written.Hash.Hex, written.Length, DataNodeProtocol.FormatBlockChecksum(written.BlockChecksum)));
        }
        catch (BodyLengthException ex)
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (HashMismatchException ex)
        {
            return ErrorResults.Error(DataNodeProtocol.Status.HashMismatch, ex.Message);
        }
    }
}
