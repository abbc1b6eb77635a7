using System.Buffers.Binary;

namespace ObjectStore.FileSystem.Meta;

/// <summary>
/// A counter's value: the number (8 bytes) and the nonce of the transaction that wrote it (8 bytes). The nonce makes
/// every write's bytes unique, so a client can tell its own landed write from another client's equal number.
/// </summary>
internal static class CounterCodec
{
    public static byte[] Encode(long value, long nonce)
    {
        var b = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(b, value);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(8), nonce);
        return b;
    }

    public static long Decode(ReadOnlySpan<byte> s)
    {
        if (s.Length != 16) throw MetaErrors.Corrupt("counter", s.Length);
        return BinaryPrimitives.ReadInt64LittleEndian(s);
    }
}
