using System.Net;

namespace ObjectStore.FileSystem.Data;

/// <summary>
/// A request body sent straight from write-back pages, without copying them into one buffer first; can be sent again
/// on retry. Reports progress after every segment (the sender's no-progress timeout).
/// </summary>
internal sealed class SegmentsContent : HttpContent
{
    private readonly IReadOnlyList<ReadOnlyMemory<byte>> _segments;
    private readonly Action _progress;
    private readonly long _length;

    public SegmentsContent(IReadOnlyList<ReadOnlyMemory<byte>> segments, Action progress)
    {
        _segments = segments;
        _progress = progress;
        _length = segments.Sum(s => (long)s.Length);
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        foreach (var segment in _segments)
        {
            await stream.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
            _progress();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }
}
