using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using ObjectStore.Functions.Http;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Api.Edge;

/// <summary>
/// Writes an object's headers and streams its bytes from the data nodes (none for HEAD). If the bytes cannot all be
/// produced intact midway, the copy throws and the host aborts the connection, so a client never takes a short or
/// corrupt body for a good one.
/// </summary>
public sealed class ObjectDownloadResult(ObjectVersion version, ByteRange? range, IObjectSource? source, int bufferSize) : IResult
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
        WriteHeaders(httpContext.Response, version, range);
        if (source is null)
        {
            return;
        }

        await using var owned = source;
        // Without buffering the body goes out as it arrives. A source that ends short leaves the response under its
        // Content-Length, and Kestrel aborts it.
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        try
        {
            await source.CopyToAsync(httpContext.Response.Body, bufferSize, httpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (IOException ex) when (!httpContext.Response.HasStarted)
        {
            // Failed before the first byte: the client can still get an honest status instead of a cut body.
            httpContext.Response.Headers.Clear();
            await ErrorResults.WriteAsync(httpContext.Response, StatusCodes.Status503ServiceUnavailable, ex.Message, httpContext.RequestAborted).ConfigureAwait(false);
        }
    }
}
