using System.Buffers;
using System.Globalization;
using System.IO.Hashing;

namespace ObjectStore.Storage.Cluster;

/// <summary>
/// The contract between the Api and the data nodes, in one place for both sides: the routes, the block checksum
/// that proves a node stored exactly the bytes it was sent, and what each status code means. The DataNode's
/// functions take their routes from here; <see cref="DataNodeClient"/> builds its URLs from here.
/// </summary>
public static class DataNodeProtocol
{
    /// <summary>
    /// The checksum block: a node keeps one XxHash3 per 64 KiB block of a stored file, and an erasure-coded cell is
    /// exactly one block, so a bad cell is exactly a bad block.
    /// </summary>
    public const int BlockSize = 64 * 1024;

    /// <summary><c>PUT</c>: a temp upload, answered with a <see cref="TempUploadResult"/>. <c>DELETE</c>: drop it.</summary>
    public const string TempRoute = "temp/{id}";

    /// <summary><c>POST</c>: publish a temp upload under a key; 204, 404 (no such upload), 409 (its hash is not the key's).</summary>
    public const string CommitRoute = "temp/{id}/commit/{key}";

    /// <summary>
    /// <c>GET</c> (with an optional single <c>Range: bytes=a-b</c>), <c>HEAD</c>, <c>DELETE</c> of a stored key; <c>PUT</c> of a
    /// whole object or a shard in one request (stored, checked, published durably), answered with a
    /// <see cref="TempUploadResult"/>: 409 when the body's hash is not the key's or its block checksum not the
    /// <see cref="BlockChecksumHeader"/> (which a shard must carry: nothing else vouches for its bytes).
    /// </summary>
    public const string ObjectRoute = "objects/{key}";

    /// <summary>Header of a one-request store: the sender's block checksum of the body (<see cref="FormatBlockChecksum"/>).</summary>
    public const string BlockChecksumHeader = "X-Block-Checksum";

    /// <summary>
    /// <c>GET</c> with <c>after</c> (a stored key) and <c>limit</c>: one page of the keys the node holds, in key order, as
    /// <see cref="Volumes.HeldKey"/>s (for the collector's sweep and the repair scan); an empty page is the end.
    /// </summary>
    public const string ListRoute = "objects";

    /// <summary>The most keys one page of <see cref="ListRoute"/> may ask for.</summary>
    public const int MaxListLimit = 10_000;

    /// <summary>Query flag of a temp upload that is a shard: the node skips the content SHA-256 only a whole object's commit checks.</summary>
    public const string ShardQuery = "shard";

    public static string TempPath(string tempId, bool shard) => shard ? $"temp/{tempId}?{ShardQuery}=true" : $"temp/{tempId}";

    public static string CommitPath(string tempId, string key) => $"temp/{tempId}/commit/{key}";

    public static string ObjectPath(string key) => $"objects/{key}";

    public static string ListPath(string? after, int limit) =>
        $"objects?limit={limit.ToString(CultureInfo.InvariantCulture)}" + (after is null ? string.Empty : $"&after={Uri.EscapeDataString(after)}");

    /// <summary>
    /// Status codes a node answers with: 200/204 done; 206 a range; 400 a malformed id, key or body length (the
    /// caller's bug, never retried elsewhere); 404 not stored here, or stored but failing verification (the node
    /// quarantined it); 409 a commit or store whose content is not what its key says, or a store whose block
    /// checksum is not the sender's; 416 an unsatisfiable range. Anything
    /// else, and a refused connection, makes the node unusable for this request.
    /// </summary>
    public static class Status
    {
        public const int NotHere = 404;
        public const int HashMismatch = 409;
    }

    /// <summary>The checksum of one block.</summary>
    public static ulong BlockSum(ReadOnlySpan<byte> block) => XxHash3.HashToUInt64(block);

    /// <summary>The block checksum of a whole upload, as the node answers it: the XxHash3 of its blocks' little-endian XxHash3s.</summary>
    public static string FormatBlockChecksum(ulong sumOfSums) => sumOfSums.ToString("x16", CultureInfo.InvariantCulture);

    public static bool TryParseBlockChecksum(string? text, out ulong sumOfSums)
    {
        sumOfSums = 0;
        return text is { Length: 16 } && ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out sumOfSums);
    }

    /// <summary>
    /// Accumulates the per-block sums of a body as it is sent or received, in pieces of any size: every piece but the
    /// last must be whole blocks (the sender cuts on block boundaries; the receiver reads in multiples of blocks).
    /// </summary>
    public sealed class BlockChecksums
    {
        private readonly ArrayBufferWriter<byte> _sums = new();

        public long Length { get; private set; }

        /// <summary>The per-block sums so far, little-endian, as stored in a file's trailer.</summary>
        public ReadOnlySpan<byte> Sums => _sums.WrittenSpan;

        public ReadOnlyMemory<byte> SumsMemory => _sums.WrittenMemory;

        public void Append(ReadOnlySpan<byte> data)
        {
            for (var offset = 0; offset < data.Length; offset += BlockSize)
            {
                var block = data.Slice(offset, Math.Min(BlockSize, data.Length - offset));
                BitConverter.TryWriteBytes(_sums.GetSpan(sizeof(ulong)), BlockSum(block));
                _sums.Advance(sizeof(ulong));
            }

            Length += data.Length;
        }

        public ulong SumOfSums => XxHash3.HashToUInt64(_sums.WrittenSpan);

        public override string ToString() => FormatBlockChecksum(SumOfSums);
    }
}
