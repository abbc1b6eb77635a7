using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ObjectStore.Functions.Http;
using ObjectStore.Storage;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Api.Edge;

/// <summary>GET and HEAD of an object: version, range (RFC 9110 single ranges, see <see cref="ByteRange.TryParse"/>), then the bytes (GET only). Metadata answers HEAD alone.</summary>
public sealed class ObjectDownloads(ObjectReader objects, IOptions<ObjectStoreOptions> options)
{
    public async Task<IResult> PrepareAsync(HttpRequest request, ObjectName name, bool headOnly, CancellationToken cancellationToken)
    {
        if (!ApiHttp.TryParseVersion(request, out var requested, out var error))
        {
            return error!;
        }

        var version = await objects.GetVersionAsync(name, requested, cancellationToken).ConfigureAwait(false);
        ByteRange? range = null;
        switch (ByteRange.TryParse(request.Headers.Range, version.Size, out var parsed))
        {
            case ByteRange.ParseResult.Unsatisfiable:
                request.HttpContext.Response.Headers[HeaderNames.ContentRange] = $"bytes */{version.Size}";
                return ErrorResults.Error(StatusCodes.Status416RangeNotSatisfiable, $"range {request.Headers.Range} is outside the object's {version.Size} bytes");
            case ByteRange.ParseResult.Satisfiable:
                range = parsed;
                break;
        }

        if (headOnly || version.Size == 0)
        {
            return new ObjectDownloadResult(version, range, source: null, options.Value.StreamBufferBytes);
        }

        var source = await objects.OpenAsync(version, range, cancellationToken).ConfigureAwait(false);
        return new ObjectDownloadResult(version, range, source, options.Value.StreamBufferBytes);
    }
}
