using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Http;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Objects;
using ObjectStore.Storage.Volumes;
using ObjectReader = ObjectStore.Storage.Volumes.ObjectReader;

namespace ObjectStore.DataNode;

/// <summary>Serves stored bytes, whole or a range, checking every block; a copy that fails the check is quarantined and reported missing.</summary>
public sealed class ReadObject(LocalVolumeStore store)
{
    [Function(nameof(ReadObject))]
    public async Task<IResult> Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = DataNodeProtocol.ObjectRoute)] HttpRequest request, string key, CancellationToken cancellationToken)
    {
        if (!StoredKey.TryParse(key, out var storedKey))
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, "key must be a 64-hex-digit hash with an optional .shard");
        }

        ObjectReader? reader = null;
        try
        {
            reader = store.OpenRead(storedKey);
            if (reader is null)
            {
                return ErrorResults.Error(StatusCodes.Status404NotFound, $"object {storedKey} not stored here");
            }

            ByteRange? range = null;
            switch (ByteRange.TryParse(request.Headers.Range, reader.Length, out var parsed))
            {
                case ByteRange.ParseResult.Unsatisfiable:
                    request.HttpContext.Response.Headers[HeaderNames.ContentRange] = $"bytes */{reader.Length}";
                    await reader.DisposeAsync();
                    return ErrorResults.Error(StatusCodes.Status416RangeNotSatisfiable, "range not satisfiable");
                case ByteRange.ParseResult.Satisfiable:
                    range = parsed;
                    break;
            }

            await reader.StartAsync(range ?? new ByteRange(0, reader.Length - 1), cancellationToken);
            var result = new StoredObjectResult(reader, range);
            reader = null;
            return result;
        }
        catch (CorruptObjectException ex)
        {
            return ErrorResults.Error(StatusCodes.Status404NotFound, ex.Message);
        }
        finally
        {
            if (reader is not null)
            {
                await reader.DisposeAsync();
            }
        }
    }
}
