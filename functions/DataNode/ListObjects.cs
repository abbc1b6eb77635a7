using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Http;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

/// <summary>
/// <c>GET /objects?after=&lt;key&gt;&amp;limit=N</c>: one page of the keys this node holds, in order, with their write times,
/// so the Api can sweep them against its content records. An empty page is the end.
/// </summary>
public sealed class ListObjects(LocalVolumeStore store)
{
    [Function(nameof(ListObjects))]
    public IResult Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = DataNodeProtocol.ListRoute)] HttpRequest request)
    {
        var after = request.Query["after"].ToString();
        if (after.Length > 0 && !StoredKey.TryParse(after, out _))
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, "after must be a stored key (64 hex digits with an optional .shard)");
        }

        var limitText = request.Query["limit"].ToString();
        var limit = 1000;
        if (limitText.Length > 0 && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > DataNodeProtocol.MaxListLimit))
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, $"limit must be 1..{DataNodeProtocol.MaxListLimit}");
        }

        return Results.Json(store.ListHeld(after.Length > 0 ? after : null, limit));
    }
}
