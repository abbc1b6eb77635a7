using System.Globalization;
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
    public IResult Run([HttpTrigger(AuthorizationLevel.Function, "delete", Route = DataNodeProtocol.ObjectRoute)] HttpRequest request, string key)
    {
        if (!StoredKey.TryParse(key, out var storedKey))
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, "key must be a 64-hex-digit hash with an optional .shard");
        }

        DateTimeOffset? writtenBy = null;
        if (request.Query.TryGetValue(DataNodeProtocol.WrittenByQuery, out var text))
        {
            if (!DateTimeOffset.TryParseExact(text.ToString(), "o", CultureInfo.InvariantCulture, DateTimeStyles.None, out var by))
            {
                return ErrorResults.Error(StatusCodes.Status400BadRequest, $"{DataNodeProtocol.WrittenByQuery} must be a round-trip date and time (ISO 8601 with 7 fractional digits and an offset)");
            }

            writtenBy = by;
        }

        return store.Delete(storedKey, writtenBy) switch
        {
            DeleteOutcome.Deleted => Results.NoContent(),
            DeleteOutcome.WrittenSince => ErrorResults.Error(DataNodeProtocol.Status.WrittenSince, $"object {storedKey} was written after {writtenBy:o}; kept"),
            _ => ErrorResults.Error(StatusCodes.Status404NotFound, $"object {storedKey} not stored here"),
        };
    }
}
