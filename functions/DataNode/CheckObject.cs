using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

/// <summary>HEAD: does this node hold the object, and how long is it (footer and block sums checked).</summary>
public sealed class CheckObject(LocalVolumeStore store)
{
    [Function(nameof(CheckObject))]
    public async Task<IResult> Run([HttpTrigger(AuthorizationLevel.Function, "head", Route = DataNodeProtocol.ObjectRoute)] HttpRequest request, string key)
    {
        if (!StoredKey.TryParse(key, out var storedKey))
        {
            return Results.StatusCode(StatusCodes.Status400BadRequest);
        }

        try
        {
            await using var reader = store.OpenRead(storedKey);
            if (reader is null)
            {
                return Results.NotFound();
            }

            request.HttpContext.Response.ContentLength = reader.Length;
            return Results.Ok();
        }
        catch (CorruptObjectException)
        {
            return Results.NotFound();
        }
    }
}
