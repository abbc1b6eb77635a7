using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using ObjectStore.Storage.Objects;
using ObjectStore.Storage.Volumes;
using ObjectReader = ObjectStore.Storage.Volumes.ObjectReader;

namespace ObjectStore.DataNode;

/// <summary>Streams verified blocks; a block failing its check mid-way throws, and the host aborts the connection.</summary>
internal sealed class StoredObjectResult(ObjectReader reader, ByteRange? range) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        await using var owned = reader;
        var response = httpContext.Response;
        response.StatusCode = range is null ? StatusCodes.Status200OK : StatusCodes.Status206PartialContent;
        response.ContentType = "application/octet-stream";
        response.ContentLength = range?.Length ?? reader.Length;
        response.Headers[HeaderNames.ETag] = $"\"{reader.Key.FileName}\"";
        if (range is { } r)
        {
            response.Headers[HeaderNames.ContentRange] = r.ToContentRange(reader.Length);
        }

        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await reader.CopyToAsync(response.Body, httpContext.RequestAborted);
    }
}
