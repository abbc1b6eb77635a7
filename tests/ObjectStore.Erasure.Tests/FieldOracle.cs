namespace ObjectStore.Erasure.Tests;

/// <summary>
/// GF(2^8)/0x11D straight from the definition — shift-and-add multiply, brute-force inverse — and a
/// naive encoder on top, sharing no code with the library so a table or kernel bug cannot hide.
/// </summary>
internal static class FieldOracle
{
    public static byte Multiply(byte a, byte b)
    {
        int product = 0, x = a;
        for (int y = b; y != 0; y >>= 1)
        {
            if ((y & 1) != 0)
            {
                product ^= x;
            }

            x <<= 1;
            if ((x & 0x100) != 0)
            {
                x ^= 0x11D;
            }
        }

        return (byte)product;
    }

    public static byte Inverse(byte a)
    {
        for (int candidate = 1; candidate < 256; candidate++)
        {
            if (Multiply(a, (byte)candidate) == 1)
            {
                return (byte)candidate;
            }
        }

        throw new DivideByZeroException();
    }

    public static byte[][] Encode(byte[][] data, int parityShards)
    {
        int k = data.Length;
        var parity = new byte[parityShards][];
        for (int r = 0; r < parityShards; r++)
        {
            parity[r] = new byte[data[0].Length];
            for (int c = 0; c < k; c++)
            {
                byte coefficient = Inverse((byte)((k + r) ^ c));
                for (int p = 0; p < data[c].Length; p++)
                {
                    parity[r][p] ^= Multiply(coefficient, data[c][p]);
                }
            }
        }

        return parity;
    }
}
