using System.Buffers;
using System.Net;
using System.Security.Cryptography;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// Relays a client's body to a data node through one pooled buffer, hashing it on the way. A failure to read the
/// client's body (disconnect, short body) is remembered so the caller can tell a truncated upload from a node failure.
/// </summary>
internal sealed class HashingUploadContent(Stream source, long? declaredLength, int bufferSize) : HttpContent
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public bool Started { get; private set; }

    public long BytesRead { get; private set; }

    public Exception? SourceFailure { get; private set; }

    /// <summary>The SHA-256 of the whole body; set once the source is read to its end.</summary>
    public byte[]? Hash { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Started = true;
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    SourceFailure = ex;
                    throw;
                }

                if (read == 0)
                {
                    Hash = _sha.GetHashAndReset();
                    break;
                }

                _sha.AppendData(buffer, 0, read);
                BytesRead += read;
                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = declaredLength ?? -1;
        return declaredLength.HasValue;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha.Dispose();
        }

        base.Dispose(disposing);
    }
}
