using System.Security.Cryptography;

namespace ObjectStore.IntegrationTests.Infrastructure;

/// <summary>Deterministic pseudo-random bodies generated while streaming, so a 300 MiB object never sits in memory.</summary>
public static class TestData
{
    public static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>What data nodes name the files of this content: its hash for whole copies, a hash of hash and layout for shards.</summary>
    public static IReadOnlySet<string> StorageIds(string contentHash) => new HashSet<string>(StringComparer.Ordinal)
    {
        contentHash,
        StorageId(contentHash, "rs-2-1"),
        StorageId(contentHash, "rs-4-2"),
    };

    public static string StorageId(string contentHash, string layout) =>
        Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes($"{contentHash}/{layout}")));

    /// <summary>A non-seekable stream of <paramref name="length"/> pseudo-random bytes; <see cref="Hash"/> is known once read.</summary>
    public sealed class GeneratedStream(long length, int seed) : Stream
    {
        private readonly Random _random = new(seed);
        private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _position;

        public string? Hash { get; private set; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            if (n == 0)
            {
                Hash ??= Convert.ToHexStringLower(_sha.GetHashAndReset());
                return 0;
            }

            _random.NextBytes(buffer[..n]);
            _sha.AppendData(buffer[..n]);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Hashes a response body while discarding it; returns the hash and the byte count.</summary>
    public static async Task<(string Hash, long Length)> HashAsync(Stream body)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[256 * 1024];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            total += read;
        }

        return (Convert.ToHexStringLower(sha.GetHashAndReset()), total);
    }
}
