using System.Runtime.CompilerServices;

namespace ObjectStore.Erasure;

/// <summary>One product-table lookup per byte: slow (well under 1 GB/s) but correct on any CPU.</summary>
internal sealed class ScalarCodingKernel : CodingKernel
{
    public override ErasureImplementation Implementation => ErasureImplementation.Scalar;

    public override CodingMatrix Prepare(byte[] coefficients, int rows, int columns) =>
        new(rows, columns, coefficients, []);

    public override unsafe void Multiply(CodingMatrix matrix, byte** inputs, byte** outputs, int length) =>
        MultiplyRange(matrix.Coefficients, matrix.Rows, matrix.Columns, inputs, outputs, 0, length);

    /// <summary>Bytes [start, end) only; the SIMD kernels use it for stripes shorter than a vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void MultiplyRange(
        byte[] coefficients, int rows, int columns, byte** inputs, byte** outputs, int start, int end)
    {
        fixed (byte* table = GaloisField.MultiplicationTable)
        {
            for (int r = 0; r < rows; r++)
            {
                byte* output = outputs[r];
                for (int c = 0; c < columns; c++)
                {
                    byte* products = table + (coefficients[r * columns + c] << 8);
                    byte* input = inputs[c];
                    if (c == 0)
                    {
                        for (int p = start; p < end; p++)
                        {
                            output[p] = products[input[p]];
                        }
                    }
                    else
                    {
                        for (int p = start; p < end; p++)
                        {
                            output[p] ^= products[input[p]];
                        }
                    }
                }
            }
        }
    }
}
