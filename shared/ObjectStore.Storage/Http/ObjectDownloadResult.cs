using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using ObjectStore.Storage.Metadata;

namespace ObjectStore.Storage.Http;

/// <summary>
/// Writes an object's headers and streams its bytes from a data node's response (none for HEAD). If the node's
/// stream breaks midway (it found a bad block), the copy throws and the host aborts the connection, so a client
/// never takes a short or corrupt body for a good one.
/// </summary>
public sealed class ObjectDownloadResult(ObjectVersion version, ByteRange? range, HttpResponseMessage? source, int bufferSize) : IResult
{
    public static void WriteHeaders(HttpResponse response, ObjectVersion version, ByteRange? range)
    {
        response.StatusCode = range is null ? StatusCodes.Status200OK : StatusCodes.Status206PartialContent;
        response.ContentType = "application/octet-stream";
        response.ContentLength = range?.Length ?? version.Size;
        response.Headers[HeaderNames.ETag] = $"\"{version.Hash}\"";
        response.Headers[HeaderNames.AcceptRanges] = "bytes";
        response.Headers[HeaderNames.LastModified] = version.Created.ToString("R", CultureInfo.InvariantCulture);
        response.Headers["x-object-version"] = version.Version.ToString(CultureInfo.InvariantCulture);
        if (range is { } r)
        {
            response.Headers[HeaderNames.ContentRange] = r.ToContentRange(version.Size);
        }
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        using var owned = source;
        WriteHeaders(httpContext.Response, version, range);
        if (source is null)
        {
            return;
        }

        // Send headers now; without buffering the body goes out as it arrives.
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await using var body = await source.Content.ReadAsStreamAsync(httpContext.RequestAborted).ConfigureAwait(false);
        // A node stream that ends short leaves the response under its Content-Length; Kestrel then aborts it.
        await body.CopyToAsync(httpContext.Response.Body, bufferSize, httpContext.RequestAborted).ConfigureAwait(false);
    }
}
