using System.Buffers.Binary;

namespace ObjectStore.FileSystem.Meta;

/// <summary>A chunk's slice list: 24 bytes per entry (position, id, size, offset, length; little-endian), oldest first.</summary>
internal static class ChunkCodec
{
    public const int EntrySize = 24;

    public static byte[] Encode(IReadOnlyList<ChunkSlice> slices)
    {
        var b = new byte[slices.Count * EntrySize];
        for (var i = 0; i < slices.Count; i++)
        {
            var s = b.AsSpan(i * EntrySize, EntrySize);
            var e = slices[i];
            BinaryPrimitives.WriteUInt32LittleEndian(s, e.Position);
            BinaryPrimitives.WriteUInt64LittleEndian(s[4..], e.Slice.Id);
            BinaryPrimitives.WriteUInt32LittleEndian(s[12..], e.Slice.Size);
            BinaryPrimitives.WriteUInt32LittleEndian(s[16..], e.Slice.Offset);
            BinaryPrimitives.WriteUInt32LittleEndian(s[20..], e.Slice.Length);
        }
        return b;
    }

    public static List<ChunkSlice> Decode(ReadOnlySpan<byte> b)
    {
        if (b.Length % EntrySize != 0) throw MetaErrors.Corrupt("chunk", b.Length);
        var list = new List<ChunkSlice>(b.Length / EntrySize);
        for (var i = 0; i < b.Length; i += EntrySize)
        {
            var s = b.Slice(i, EntrySize);
            list.Add(new ChunkSlice(
                BinaryPrimitives.ReadUInt32LittleEndian(s),
                new Slice(
                    BinaryPrimitives.ReadUInt64LittleEndian(s[4..]),
                    BinaryPrimitives.ReadUInt32LittleEndian(s[12..]),
                    BinaryPrimitives.ReadUInt32LittleEndian(s[16..]),
                    BinaryPrimitives.ReadUInt32LittleEndian(s[20..]))));
        }
        return list;
    }
}
