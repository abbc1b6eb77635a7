using System.Buffers;
using System.Security.Cryptography;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

/// <summary>Reading a client's request body: any failure to read it is the client's fault (400), never the store's.</summary>
internal static class RequestBody
{
    /// <summary>
    /// Reads the client's body, filling <paramref name="buffer"/> unless at its end. Any failure, cancellation included
    /// (the token is the client's connection), is a cut-off body.
    /// </summary>
    public static async Task<int> ReadAsync(Stream body, Memory<byte> buffer, CancellationToken cancellationToken, bool fill = true)
    {
        try
        {
            return await body.ReadAtLeastAsync(buffer, fill ? buffer.Length : 1, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw new BodyReadException(ex);
        }
    }

    /// <summary>Reads a body of known length whole into <paramref name="data"/>; 400 when it is longer or shorter.</summary>
    public static async Task ReadWholeAsync(Stream body, Memory<byte> data, CancellationToken cancellationToken)
    {
        int read;
        try
        {
            read = await ReadAsync(body, data, cancellationToken).ConfigureAwait(false);
            if (read == data.Length && await ReadAsync(body, new byte[1], cancellationToken).ConfigureAwait(false) != 0)
            {
                read++;
            }
        }
        catch (BodyReadException ex)
        {
            throw new InvalidObjectRequestException($"request body ended early: {ex.InnerException?.Message}; nothing was stored");
        }

        if (read != data.Length)
        {
            throw new InvalidObjectRequestException($"request body has {(read > data.Length ? "more than " + data.Length : read)} bytes, Content-Length said {data.Length}; nothing was stored");
        }
    }

    /// <summary>Hashes a whole body without storing it (a PUT of bytes already stored).</summary>
    public static async Task<(ContentHash Hash, long Length)> HashAsync(Stream body, long? contentLength, int bufferSize, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        long length = 0;
        try
        {
            int read;
            while ((read = await ReadAsync(body, buffer, cancellationToken, fill: false).ConfigureAwait(false)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                length += read;
            }
        }
        catch (BodyReadException ex)
        {
            throw new InvalidObjectRequestException($"request body ended early after {length} bytes: {ex.InnerException?.Message}; nothing was stored");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        CheckLength(contentLength, length);
        return (ContentHash.FromBytes(sha.GetHashAndReset()), length);
    }

    public static void CheckLength(long? contentLength, long length)
    {
        if (contentLength is { } expected && expected != length)
        {
            throw new InvalidObjectRequestException($"request body has {length} bytes, Content-Length said {expected}; nothing was stored");
        }
    }

    public static void CheckDigest(ContentHash? digest, ContentHash actual)
    {
        if (digest is { } expected && expected != actual)
        {
            throw new InvalidObjectRequestException($"Digest mismatch: header says SHA-256={expected.ToBase64()}, body is SHA-256={actual.ToBase64()}; nothing was stored");
        }
    }
}

/// <summary>Reading the client's body failed: a cut-off upload.</summary>
internal sealed class BodyReadException(Exception inner) : Exception("reading the request body failed", inner);
