using System.Buffers.Binary;

namespace ObjectStore.FileSystem.Meta;

/// <summary>A deleted-slice record: the slice's stored size (4 bytes) and when it was queued (unix ns, 8 bytes).</summary>
internal static class DeletedSliceCodec
{
    public static byte[] Encode(uint size, long queuedNs)
    {
        var b = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(b, size);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(4), queuedNs);
        return b;
    }

    public static (uint Size, long QueuedNs) Decode(ReadOnlySpan<byte> s)
    {
        if (s.Length != 12) throw MetaErrors.Corrupt("deleted slice", s.Length);
        return (BinaryPrimitives.ReadUInt32LittleEndian(s), BinaryPrimitives.ReadInt64LittleEndian(s[4..]));
    }
}
