namespace ObjectStore.Erasure;

/// <summary>Hands the multiply to ISA-L, which picks its own SSE/AVX/AVX2/AVX-512 code at load time.</summary>
internal sealed class IsaLCodingKernel(IsaLLibrary library) : CodingKernel
{
    public override ErasureImplementation Implementation => ErasureImplementation.IsaL;

    public override unsafe CodingMatrix Prepare(byte[] coefficients, int rows, int columns)
    {
        var tables = new byte[32 * rows * columns];
        fixed (byte* a = coefficients)
        fixed (byte* t = tables)
        {
            library.InitTables(columns, rows, a, t);
        }

        return new CodingMatrix(rows, columns, coefficients, tables);
    }

    public override unsafe void Multiply(CodingMatrix matrix, byte** inputs, byte** outputs, int length)
    {
        fixed (byte* tables = matrix.Tables)
        {
            library.EncodeData(length, matrix.Columns, matrix.Rows, tables, inputs, outputs);
        }
    }
}
