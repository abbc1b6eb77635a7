using System.Buffers.Binary;

namespace ObjectStore.FileSystem.Meta;

/// <summary>A garbage record: the inode (8 bytes) and slice entries no longer referenced, still to be put in the deleted-slice queue.</summary>
internal static class GarbageCodec
{
    public static byte[] Encode(ulong inode, IReadOnlyList<ChunkSlice> slices)
    {
        var list = ChunkCodec.Encode(slices);
        var b = new byte[8 + list.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(b, inode);
        list.CopyTo(b, 8);
        return b;
    }

    public static (ulong Inode, List<ChunkSlice> Slices) Decode(ReadOnlySpan<byte> s)
    {
        if (s.Length < 8) throw MetaErrors.Corrupt("garbage", s.Length);
        return (BinaryPrimitives.ReadUInt64LittleEndian(s), ChunkCodec.Decode(s[8..]));
    }
}
