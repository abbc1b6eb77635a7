using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Http;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

/// <summary>
/// A whole object or a shard in one request: stored, checked (a whole object against the hash its key names, any body
/// against the sender's block checksum) and published (fsynced, renamed, directory fsynced) before the answer — the
/// Api's PUTs of bounded size, one round trip per copy or shard instead of two.
/// </summary>
public sealed class StoreObject(LocalVolumeStore store)
{
    [Function(nameof(StoreObject))]
    public async Task<IResult> Run([HttpTrigger(AuthorizationLevel.Function, "put", Route = DataNodeProtocol.ObjectRoute)] HttpRequest request, string key, CancellationToken cancellationToken)
    {
        if (!StoredKey.TryParse(key, out var storedKey))
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, "key must be a 64-hex-digit hash, or a hash, a dot and a shard number");
        }

        ulong? blockChecksum = null;
        if (request.Headers[DataNodeProtocol.BlockChecksumHeader].ToString() is { Length: > 0 } sent)
        {
            if (!DataNodeProtocol.TryParseBlockChecksum(sent, out var parsed))
            {
                return ErrorResults.Error(StatusCodes.Status400BadRequest, $"{DataNodeProtocol.BlockChecksumHeader} must be 16 hex digits");
            }

            blockChecksum = parsed;
        }
        else if (storedKey.Shard is not null)
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, $"a shard is stored only with its {DataNodeProtocol.BlockChecksumHeader}");
        }

        try
        {
            var written = await store.StoreAsync(storedKey, request.Body, request.ContentLength, cancellationToken, blockChecksum);
            return Results.Json(new TempUploadResult(written.Hash.Hex, written.Length, DataNodeProtocol.FormatBlockChecksum(written.BlockChecksum)));
        }
        catch (BodyLengthException ex)
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (Exception ex) when (ex is HashMismatchException or BlockChecksumMismatchException)
        {
            return ErrorResults.Error(DataNodeProtocol.Status.HashMismatch, ex.Message);
        }
    }
}
