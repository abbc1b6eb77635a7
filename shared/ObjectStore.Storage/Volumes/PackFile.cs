using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace ObjectStore.Storage.Volumes;

/// <summary>
/// A pack: an append-only file of small stored objects, so that storing one costs a write into a file made and zeroed
/// ahead of time and a share of one fdatasync, not a file create, an fsync, a rename and a directory fsync. Each record:
/// <code>[header, 128 bytes: magic, flags, key, file length, write time, XxHash3 of the rest][the object's file bytes, as in objects/][zeros to 512]</code>
/// Records start on 512-byte boundaries, so that a header rewritten in place (a delete, a new write time) is one sector,
/// and a reader that meets a damaged header finds the next record by stepping sector by sector.
/// The file bytes are exactly an object file's (<see cref="ObjectFileFormat"/>): the same footer and block sums check them.
/// </summary>
public static class PackFile
{
    public const int HeaderSize = 128;
    public const int Alignment = 512;
    private const int MaxKeyLength = 72;
    private const int ChecksumOffset = HeaderSize - sizeof(ulong);
    private const byte DeadFlag = 1;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("OSPACK1\0");

    /// <summary>The bytes a record of <paramref name="fileLength"/> file bytes takes, header and padding included.</summary>
    public static long RecordSize(long fileLength) => (HeaderSize + fileLength + Alignment - 1) / Alignment * Alignment;

    internal static void WriteHeader(Span<byte> header, string key, int fileLength, long writtenTicks, bool dead)
    {
        if (key.Length > MaxKeyLength)
        {
            throw new ArgumentException($"a packed key has at most {MaxKeyLength} characters", nameof(key));
        }

        header[..HeaderSize].Clear();
        Magic.CopyTo(header);
        header[8] = dead ? DeadFlag : (byte)0;
        header[9] = (byte)key.Length;
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], fileLength);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], writtenTicks);
        Encoding.ASCII.GetBytes(key, header[24..]);
        BinaryPrimitives.WriteUInt64LittleEndian(header[ChecksumOffset..], XxHash3.HashToUInt64(header[..ChecksumOffset]));
    }

    /// <summary>Null when <paramref name="header"/> is not an intact record header (zeros, a torn write, rot).</summary>
    internal static PackRecord? ReadHeader(ReadOnlySpan<byte> header, long offset)
    {
        if (header.Length < HeaderSize || !header[..8].SequenceEqual(Magic)
            || BinaryPrimitives.ReadUInt64LittleEndian(header[ChecksumOffset..]) != XxHash3.HashToUInt64(header[..ChecksumOffset]))
        {
            return null;
        }

        var keyLength = header[9];
        var fileLength = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        if (keyLength is 0 or > MaxKeyLength || fileLength < ObjectFileFormat.FooterSize)
        {
            return null;
        }

        var ticks = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        return new PackRecord(Encoding.ASCII.GetString(header.Slice(24, keyLength)), offset, fileLength, new DateTime(ticks, DateTimeKind.Utc), (header[8] & DeadFlag) != 0);
    }

    /// <summary>
    /// Every intact record header of the pack at <paramref name="path"/>, in file order, deleted ones included. After a
    /// header it skips the record; after anything else it steps one sector, so zeros left by a write that never
    /// completed, or one damaged header, cost only the records they cover. Reads the file once, front to back.
    /// </summary>
    public static IEnumerable<PackRecord> Records(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 20);
        var header = new byte[HeaderSize];
        var length = file.Length;
        long offset = 0;
        while (offset + HeaderSize <= length)
        {
            file.Position = offset;
            file.ReadExactly(header);
            var record = ReadHeader(header, offset);
            if (record is not null && offset + RecordSize(record.FileLength) <= length)
            {
                yield return record;
                offset += RecordSize(record.FileLength);
            }
            else
            {
                offset += Alignment;
            }
        }
    }

    /// <summary>
    /// Of every pack in <paramref name="directory"/>, in the order they were made, the latest live record of each key: what
    /// a node's index holds after a start (less the block sums a node checks). For looking at a volume from outside its
    /// node; a pack compacted away while it is read is skipped, its live records having been copied forward first.
    /// </summary>
    public static IReadOnlyCollection<(string Pack, PackRecord Record)> LiveRecords(string directory)
    {
        var latest = new Dictionary<string, (string, PackRecord)>(StringComparer.Ordinal);
        var packs = Directory.Exists(directory) ? Directory.GetFiles(directory, "*.pack") : [];
        foreach (var pack in packs.Order(StringComparer.Ordinal))
        {
            try
            {
                foreach (var record in Records(pack).Where(r => !r.Dead).ToList())
                {
                    latest[record.Key] = (pack, record);
                }
            }
            catch (FileNotFoundException)
            {
                // Compacted away since it was listed.
            }
        }

        return latest.Values;
    }
}

/// <summary>A record of a pack: its key, where its header starts, its file bytes' length, when it was written, and whether it was deleted.</summary>
public sealed record PackRecord(string Key, long Offset, int FileLength, DateTime Written, bool Dead)
{
    /// <summary>Where the object's file bytes start in the pack.</summary>
    public long DataOffset => Offset + PackFile.HeaderSize;
}
