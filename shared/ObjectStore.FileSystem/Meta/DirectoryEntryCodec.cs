using System.Buffers.Binary;

namespace ObjectStore.FileSystem.Meta;

/// <summary>A directory entry's value: the child's type (1 byte) and inode (8 bytes, little-endian).</summary>
internal static class DirectoryEntryCodec
{
    public static byte[] Encode(InodeType type, ulong inode)
    {
        var b = new byte[9];
        b[0] = (byte)type;
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(1), inode);
        return b;
    }

    public static (InodeType Type, ulong Inode) Decode(ReadOnlySpan<byte> s)
    {
        if (s.Length != 9) throw MetaErrors.Corrupt("directory entry", s.Length);
        return ((InodeType)s[0], BinaryPrimitives.ReadUInt64LittleEndian(s[1..]));
    }
}
