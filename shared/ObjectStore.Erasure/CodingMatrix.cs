namespace ObjectStore.Erasure;

/// <summary>
/// A rows×columns GF(2^8) coefficient matrix together with the lookup tables one kernel derived from it,
/// built once per codec (encode) or per erasure pattern (decode) and then reused for every stripe.
/// </summary>
internal sealed class CodingMatrix(int rows, int columns, byte[] coefficients, byte[] tables)
{
    public int Rows { get; } = rows;

    public int Columns { get; } = columns;

    /// <summary>Row-major; row r is what output r is a linear combination of the inputs by.</summary>
    public byte[] Coefficients { get; } = coefficients;

    /// <summary>Kernel-specific expansion of <see cref="Coefficients"/>; empty when the kernel needs none.</summary>
    public byte[] Tables { get; } = tables;
}
