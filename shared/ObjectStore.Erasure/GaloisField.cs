namespace ObjectStore.Erasure;

/// <summary>
/// Arithmetic in GF(2^8) with the field polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D).
/// </summary>
/// <remarks>
/// 0x11D is the polynomial of Intel ISA-L (and Jerasure, Backblaze, klauspost/reedsolomon), so shards
/// written by any of our implementations decode with the others and with ISA-L itself. It is not the
/// AES polynomial 0x11B, which is why the hardware GF2P8MULB instruction cannot be used directly.
/// </remarks>
internal static class GaloisField
{
    public const int Polynomial = 0x11D;

    // Doubled so Log[a] + Log[b] (at most 508) indexes without a modulo.
    private static readonly byte[] s_exp = new byte[512];
    private static readonly byte[] s_log = new byte[256];

    // Row c holds c·x for every x: the scalar kernel needs one load per byte, and the SIMD kernels
    // read their 16-entry nibble tables out of it.
    private static readonly byte[] s_multiplication = new byte[256 * 256];

    static GaloisField()
    {
        // 2 (the polynomial x) is primitive for 0x11D, so its powers enumerate every non-zero element.
        int value = 1;
        for (int power = 0; power < 255; power++)
        {
            s_exp[power] = (byte)value;
            s_exp[power + 255] = (byte)value;
            s_log[value] = (byte)power;
            value <<= 1;
            if ((value & 0x100) != 0)
            {
                value ^= Polynomial;
            }
        }

        s_exp[510] = s_exp[0];
        s_exp[511] = s_exp[1];

        for (int a = 1; a < 256; a++)
        {
            for (int b = 1; b < 256; b++)
            {
                s_multiplication[(a << 8) | b] = s_exp[s_log[a] + s_log[b]];
            }
        }
    }

    public static byte Multiply(byte a, byte b) => s_multiplication[(a << 8) | b];

    public static byte Inverse(byte a)
    {
        if (a == 0)
        {
            throw new DivideByZeroException("Zero has no multiplicative inverse in GF(2^8).");
        }

        return s_exp[255 - s_log[a]];
    }

    /// <summary>The products c·x for x = 0..255.</summary>
    public static ReadOnlySpan<byte> MultiplicationRow(byte c) => s_multiplication.AsSpan(c << 8, 256);

    /// <summary>The whole 64 KiB product table, row-major by the first factor.</summary>
    internal static byte[] MultiplicationTable => s_multiplication;
}
