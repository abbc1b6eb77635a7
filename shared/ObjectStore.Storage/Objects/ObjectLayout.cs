using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// How a version's bytes are spread over data nodes, recorded with the version so that changing the settings
/// never makes old objects unreadable:
/// <list type="bullet">
/// <item><c>rs-K-M</c>: Reed–Solomon, K data + M parity shards on K+M distinct nodes. The object is cut into stripes
/// of K cells of 64 KiB (the data node's checksum block, so a bad cell is exactly a bad block); shard i holds cell i of
/// every stripe, the last stripe zero-padded. Any K shards rebuild the object: it survives the loss of M nodes at
/// (K+M)/K times its size on disk.</item>
/// <item><c>replica-N</c>: N whole copies on N distinct nodes, for small objects, where N round trips in parallel beat
/// K+M and the extra disk is small.</item>
/// </list>
/// </summary>
public sealed record ObjectLayout(int DataShards, int ParityShards, int Copies)
{
    public const int CellSize = Cluster.DataNodeProtocol.BlockSize;

    public bool IsErasureCoded => ParityShards > 0;

    /// <summary>Distinct nodes a PUT needs.</summary>
    public int NodesNeeded => IsErasureCoded ? DataShards + ParityShards : Copies;

    public int TotalShards => IsErasureCoded ? DataShards + ParityShards : 0;

    public int StripeSize => DataShards * CellSize;

    public long Stripes(long size) => (size + StripeSize - 1) / StripeSize;

    public long ShardLength(long size) => Stripes(size) * CellSize;

    public static ObjectLayout ErasureCoded(int dataShards, int parityShards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dataShards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(parityShards, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dataShards + parityShards, StoredKey.MaxShards);
        return new(dataShards, parityShards, 0);
    }

    public static ObjectLayout Replicated(int copies)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        return new(1, 0, copies);
    }

    /// <summary>
    /// The id shards are stored under: the content hash for whole copies; for coded content a hash of content hash and
    /// layout, because shard i of RS(4,2) and shard i of RS(6,3) hold different bytes of the same content and must never
    /// be mistaken for each other (after a settings change, say).
    /// </summary>
    public ContentHash StorageId(ContentHash content) => IsErasureCoded
        ? ContentHash.FromBytes(SHA256.HashData(Encoding.ASCII.GetBytes($"{content.Hex}/{this}")))
        : content;

    public override string ToString() => IsErasureCoded
        ? string.Create(CultureInfo.InvariantCulture, $"rs-{DataShards}-{ParityShards}")
        : string.Create(CultureInfo.InvariantCulture, $"replica-{Copies}");

    /// <summary>Versions written before layouts existed have none: one whole copy.</summary>
    public static ObjectLayout Parse(string? text)
    {
        var parts = (text ?? "replica-1").Split('-');
        try
        {
            return parts switch
            {
                ["rs", var k, var m] => ErasureCoded(Count(k), Count(m)),
                ["replica", var n] => Replicated(Count(n)),
                _ => throw new FormatException(),
            };
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentOutOfRangeException)
        {
            throw new FormatException($"unknown object layout '{text}'", ex);
        }

        static int Count(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
