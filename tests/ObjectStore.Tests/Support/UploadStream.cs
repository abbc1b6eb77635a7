namespace ObjectStore.Tests.Support;

/// <summary>
/// A request body as a server sees it: forward only, no length, short reads of awkward sizes, and optionally a
/// connection that drops after <paramref name="failAfter"/> bytes.
/// </summary>
internal sealed class UploadStream(byte[] data, int maxRead = 7919, long? failAfter = null) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        if (failAfter is { } limit && _position >= limit)
        {
            throw new IOException("connection reset by the test");
        }

        var count = Math.Min(Math.Min(buffer.Length, maxRead), data.Length - _position);
        if (failAfter is { } cut)
        {
            count = (int)Math.Min(count, cut - _position);
        }

        data.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return Read(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
