using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ObjectStore.Erasure;

/// <summary>
/// The ISA-L technique in managed code: c·x = c·(x &amp; 0x0F) ^ c·(x &amp; 0xF0), and each half is a
/// 16-entry table that <c>vpshufb</c> looks up for 32 bytes at once.
/// </summary>
internal sealed class Avx2CodingKernel : CodingKernel
{
    private const int TableBytes = 64;

    public static bool IsSupported => Avx2.IsSupported;

    public override ErasureImplementation Implementation => ErasureImplementation.Avx2;

    /// <summary>
    /// Per coefficient 64 bytes: c·x for the low nibble x, then c·(x &lt;&lt; 4) for the high nibble, each
    /// 16-byte table repeated in both 128-bit lanes because <c>vpshufb</c> never looks across lanes.
    /// </summary>
    public override CodingMatrix Prepare(byte[] coefficients, int rows, int columns)
    {
        var tables = new byte[coefficients.Length * TableBytes];
        for (int i = 0; i < coefficients.Length; i++)
        {
            ReadOnlySpan<byte> products = GaloisField.MultiplicationRow(coefficients[i]);
            Span<byte> table = tables.AsSpan(i * TableBytes, TableBytes);
            for (int x = 0; x < 16; x++)
            {
                table[x] = table[x + 16] = products[x];
                table[x + 32] = table[x + 48] = products[x << 4];
            }
        }

        return new CodingMatrix(rows, columns, coefficients, tables);
    }

    public override unsafe void Multiply(CodingMatrix matrix, byte** inputs, byte** outputs, int length)
    {
        if (length < Vector256<byte>.Count)
        {
            ScalarCodingKernel.MultiplyRange(matrix.Coefficients, matrix.Rows, matrix.Columns, inputs, outputs, 0, length);
            return;
        }

        int columns = matrix.Columns;
        fixed (byte* tables = matrix.Tables)
        {
            // Up to four outputs per pass: each input vector is loaded and split once and feeds all four
            // accumulators, which is where the speed over one-output-at-a-time comes from.
            int row = 0;
            for (; matrix.Rows - row >= 4; row += 4)
            {
                DotProduct<FourRows>(tables + row * columns * TableBytes, columns, inputs, outputs + row, length);
            }

            byte* rest = tables + row * columns * TableBytes;
            switch (matrix.Rows - row)
            {
                case 3:
                    DotProduct<ThreeRows>(rest, columns, inputs, outputs + row, length);
                    break;
                case 2:
                    DotProduct<TwoRows>(rest, columns, inputs, outputs + row, length);
                    break;
                case 1:
                    DotProduct<OneRow>(rest, columns, inputs, outputs + row, length);
                    break;
            }
        }
    }

    // TRows is a struct so the JIT compiles one copy per row count with the unused accumulators gone.
    // Fully optimized from the first call: tier-0 vector code is an order of magnitude slower, and a
    // process may encode a lot before tiering catches up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void DotProduct<TRows>(byte* tables, int columns, byte** inputs, byte** outputs, int length)
        where TRows : struct, IRowCount
    {
        Vector256<byte> lowNibble = Vector256.Create((byte)0x0F);
        nint rowStride = (nint)columns * TableBytes;
        nint last = length - Vector256<byte>.Count;
        nint position = 0;
        while (true)
        {
            Vector256<byte> sum0 = default, sum1 = default, sum2 = default, sum3 = default;
            byte* table = tables;
            for (int c = 0; c < columns; c++, table += TableBytes)
            {
                Vector256<byte> data = Vector256.Load(inputs[c] + position);
                Vector256<byte> low = data & lowNibble;
                Vector256<byte> high = Vector256.ShiftRightLogical(data.AsUInt16(), 4).AsByte() & lowNibble;

                sum0 ^= Avx2.Shuffle(Vector256.Load(table), low) ^ Avx2.Shuffle(Vector256.Load(table + 32), high);
                if (TRows.Count > 1)
                {
                    byte* t = table + rowStride;
                    sum1 ^= Avx2.Shuffle(Vector256.Load(t), low) ^ Avx2.Shuffle(Vector256.Load(t + 32), high);
                }

                if (TRows.Count > 2)
                {
                    byte* t = table + 2 * rowStride;
                    sum2 ^= Avx2.Shuffle(Vector256.Load(t), low) ^ Avx2.Shuffle(Vector256.Load(t + 32), high);
                }

                if (TRows.Count > 3)
                {
                    byte* t = table + 3 * rowStride;
                    sum3 ^= Avx2.Shuffle(Vector256.Load(t), low) ^ Avx2.Shuffle(Vector256.Load(t + 32), high);
                }
            }

            sum0.Store(outputs[0] + position);
            if (TRows.Count > 1)
            {
                sum1.Store(outputs[1] + position);
            }

            if (TRows.Count > 2)
            {
                sum2.Store(outputs[2] + position);
            }

            if (TRows.Count > 3)
            {
                sum3.Store(outputs[3] + position);
            }

            if (position == last)
            {
                return;
            }

            // A ragged tail is covered by one last vector overlapping the previous one: it rewrites
            // identical bytes, which is safe because outputs never alias inputs.
            position = Math.Min(position + Vector256<byte>.Count, last);
        }
    }

    private interface IRowCount
    {
        static abstract int Count { get; }
    }

    private readonly struct OneRow : IRowCount
    {
        public static int Count => 1;
    }

    private readonly struct TwoRows : IRowCount
    {
        public static int Count => 2;
    }

    private readonly struct ThreeRows : IRowCount
    {
        public static int Count => 3;
    }

    private readonly struct FourRows : IRowCount
    {
        public static int Count => 4;
    }
}
