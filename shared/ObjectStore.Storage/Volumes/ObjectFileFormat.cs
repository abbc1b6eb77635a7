using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace ObjectStore.Storage.Volumes;

/// <summary>
/// The on-disk form of an object on a data node, in one file so that one rename publishes it atomically:
/// <code>[data][one XxHash3 per 64 KiB block][footer: magic, block size, length, SHA-256, XxHash3 of the sums]</code>
/// Data comes first so a range read is a plain offset; the per-block sums let a reader refuse a bad block
/// before sending it, without reading the whole object first.
/// </summary>
internal static class ObjectFileFormat
{
    public const int BlockSize = Cluster.DataNodeProtocol.BlockSize;
    public const int SumSize = sizeof(ulong);
    public const int FooterSize = 64;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("OSOBJv1\0");

    public static long BlockCount(long length) => (length + BlockSize - 1) / BlockSize;

    public static ulong BlockSum(ReadOnlySpan<byte> block) => Cluster.DataNodeProtocol.BlockSum(block);

    public static void WriteFooter(Span<byte> footer, long length, ReadOnlySpan<byte> sha256, ReadOnlySpan<byte> sums)
    {
        footer.Clear();
        Magic.CopyTo(footer);
        BinaryPrimitives.WriteInt32LittleEndian(footer[8..], BlockSize);
        BinaryPrimitives.WriteInt64LittleEndian(footer[16..], length);
        sha256.CopyTo(footer[24..56]);
        BinaryPrimitives.WriteUInt64LittleEndian(footer[56..], XxHash3.HashToUInt64(sums));
    }

    public readonly record struct Footer(long Length, byte[] Sha256, ulong SumsChecksum);

    /// <summary>Whether <paramref name="file"/>, an object file whole, has a sound footer and every block matching its sum.</summary>
    public static bool IsIntact(ReadOnlySpan<byte> file)
    {
        if (file.Length < FooterSize || ReadFooter(file[^FooterSize..], file.Length) is not { } footer)
        {
            return false;
        }

        var sums = file.Slice((int)footer.Length, (int)(BlockCount(footer.Length) * SumSize));
        if (XxHash3.HashToUInt64(sums) != footer.SumsChecksum)
        {
            return false;
        }

        for (var block = 0; block < BlockCount(footer.Length); block++)
        {
            var start = block * BlockSize;
            var data = file.Slice(start, (int)Math.Min(BlockSize, footer.Length - start));
            if (BlockSum(data) != BinaryPrimitives.ReadUInt64LittleEndian(sums[(block * SumSize)..]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Null when the footer is not ours or does not fit the file: the file is corrupt or truncated.</summary>
    public static Footer? ReadFooter(ReadOnlySpan<byte> footer, long fileLength)
    {
        if (footer.Length != FooterSize || !footer[..8].SequenceEqual(Magic)
            || BinaryPrimitives.ReadInt32LittleEndian(footer[8..]) != BlockSize)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt64LittleEndian(footer[16..]);
        if (length < 0 || length + (BlockCount(length) * SumSize) + FooterSize != fileLength)
        {
            return null;
        }

        return new Footer(length, footer[24..56].ToArray(), BinaryPrimitives.ReadUInt64LittleEndian(footer[56..]));
    }
}
