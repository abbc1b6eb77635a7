using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

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

    /// <summary>
    /// <c>POST</c>: several small copies or shards in one request, each checked as a <see cref="ObjectRoute"/> <c>PUT</c> is
    /// and all published durably before the answer, which lists a <see cref="StoreBatchItemResult"/> per item in
    /// their order. A node pays its per-request work and its fsyncs once per batch instead of once per item; the Api
    /// sends one while an earlier store to the same node is in flight (<see cref="Objects.NodeStores"/>). The body is
    /// <see cref="StoreBatch"/>'s framing; a malformed or cut body is 400 and publishes nothing.
    /// </summary>
    public const string StoreBatchRoute = "store-batch";

    /// <summary>Query flag of a temp upload that is a shard: the node skips the content SHA-256 only a whole object's commit checks.</summary>
    public const string ShardQuery = "shard";

    public static string TempPath(string tempId, bool shard) => shard ? $"temp/{tempId}?{ShardQuery}=true" : $"temp/{tempId}";

    public static string CommitPath(string tempId, string key) => $"temp/{tempId}/commit/{key}";

    public static string ObjectPath(string key) => $"objects/{key}";

    /// <summary>Query of a delete that applies only if the object was last written by this time (round-trip format).</summary>
    public const string WrittenByQuery = "writtenBy";

    public static string DeletePath(string key, DateTimeOffset? writtenBy) => writtenBy is { } by
        ? $"objects/{key}?{WrittenByQuery}={Uri.EscapeDataString(by.ToString("o", CultureInfo.InvariantCulture))}"
        : ObjectPath(key);

    public static string ListPath(string? after, int limit) =>
        $"objects?limit={limit.ToString(CultureInfo.InvariantCulture)}" + (after is null ? string.Empty : $"&after={Uri.EscapeDataString(after)}");

    /// <summary>
    /// The body of a <see cref="StoreBatchRoute"/> request: a little-endian <c>u16</c> item count, then per item a
    /// <c>u8</c> key length, the key (ASCII, as in <see cref="ObjectRoute"/>), the sender's block checksum (<c>u64</c>),
    /// the length (<c>u32</c>) and the bytes. Lengths come before bytes so the node reads one item at a time into a
    /// bounded buffer.
    /// </summary>
    public static class StoreBatch
    {
        /// <summary>The most items one batch may carry.</summary>
        public const int MaxItems = 64;

        /// <summary>The largest item a node takes in a batch (larger ones go alone, by <see cref="ObjectRoute"/>).</summary>
        public const int MaxItemBytes = 1024 * 1024;

        public const int CountSize = sizeof(ushort);

        /// <summary>The most bytes an item's framing takes besides its key.</summary>
        public const int FixedHeaderSize = 1 + sizeof(ulong) + sizeof(uint);

        public static int HeaderSize(string key) => FixedHeaderSize + key.Length;

        public static void WriteCount(Span<byte> destination, int count) =>
            BinaryPrimitives.WriteUInt16LittleEndian(destination, checked((ushort)count));

        /// <summary>Writes an item's header (<see cref="HeaderSize"/> bytes) before its bytes.</summary>
        public static void WriteHeader(Span<byte> destination, string key, ulong blockChecksum, int length)
        {
            destination[0] = checked((byte)key.Length);
            Encoding.ASCII.GetBytes(key, destination[1..]);
            var rest = destination[(1 + key.Length)..];
            BinaryPrimitives.WriteUInt64LittleEndian(rest, blockChecksum);
            BinaryPrimitives.WriteUInt32LittleEndian(rest[sizeof(ulong)..], checked((uint)length));
        }
    }

    /// <summary>
    /// Status codes a node answers with: 200/204 done; 206 a range; 400 a malformed id, key or body length (the
    /// caller's bug, never retried elsewhere); 404 not stored here, or stored but failing verification (the node
    /// quarantined it); 409 a commit or store whose content is not what its key says, or a store whose block
    /// checksum is not the sender's; 412 a conditional delete of an object written since; 416 an unsatisfiable range. Anything
    /// else, and a refused connection, makes the node unusable for this request.
    /// </summary>
    public static class Status
    {
        public const int Stored = 200;
        public const int NotHere = 404;
        public const int HashMismatch = 409;
        public const int WrittenSince = 412;
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
