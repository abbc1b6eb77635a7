using System.Buffers.Binary;

namespace ObjectStore.FileSystem.Meta;

/// <summary>
/// Attributes as a fixed 70-byte little-endian record with a leading format version and a trailing random write
/// stamp. The stamp makes every write of a record unique, so a transaction can recognise its own landed write
/// (its witness) even when a concurrent one wrote equal attributes at the same clock tick.
/// </summary>
internal static class AttributeCodec
{
    private const byte Version = 1;
    public const int Size = 70;

    public static byte[] Encode(InodeAttributes a)
    {
        var b = new byte[Size];
        var s = b.AsSpan();
        s[0] = Version;
        s[1] = (byte)a.Type;
        BinaryPrimitives.WriteUInt32LittleEndian(s[2..], a.Mode);
        BinaryPrimitives.WriteUInt32LittleEndian(s[6..], a.Uid);
        BinaryPrimitives.WriteUInt32LittleEndian(s[10..], a.Gid);
        BinaryPrimitives.WriteUInt32LittleEndian(s[14..], a.LinkCount);
        BinaryPrimitives.WriteUInt64LittleEndian(s[18..], a.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(s[26..], a.Rdev);
        BinaryPrimitives.WriteInt64LittleEndian(s[30..], a.AtimeNs);
        BinaryPrimitives.WriteInt64LittleEndian(s[38..], a.MtimeNs);
        BinaryPrimitives.WriteInt64LittleEndian(s[46..], a.CtimeNs);
        BinaryPrimitives.WriteUInt64LittleEndian(s[54..], a.Parent);
        BinaryPrimitives.WriteInt64LittleEndian(s[62..], Random.Shared.NextInt64());
        return b;
    }

    public static InodeAttributes Decode(ReadOnlySpan<byte> s)
    {
        if (s.Length != Size || s[0] != Version) throw MetaErrors.Corrupt("attributes", s.Length);
        return new InodeAttributes(
            (InodeType)s[1],
            BinaryPrimitives.ReadUInt32LittleEndian(s[2..]),
            BinaryPrimitives.ReadUInt32LittleEndian(s[6..]),
            BinaryPrimitives.ReadUInt32LittleEndian(s[10..]),
            BinaryPrimitives.ReadUInt32LittleEndian(s[14..]),
            BinaryPrimitives.ReadUInt64LittleEndian(s[18..]),
            BinaryPrimitives.ReadUInt32LittleEndian(s[26..]),
            BinaryPrimitives.ReadInt64LittleEndian(s[30..]),
            BinaryPrimitives.ReadInt64LittleEndian(s[38..]),
            BinaryPrimitives.ReadInt64LittleEndian(s[46..]),
            BinaryPrimitives.ReadUInt64LittleEndian(s[54..]));
    }
}
