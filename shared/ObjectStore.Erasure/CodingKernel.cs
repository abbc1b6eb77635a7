namespace ObjectStore.Erasure;

/// <summary>
/// The hot loop of erasure coding: every output buffer is a GF(2^8) linear combination of the input
/// buffers. Encoding and reconstruction differ only in the matrix they pass.
/// </summary>
/// <remarks>Kernels are stateless, so one instance serves concurrent callers.</remarks>
internal abstract class CodingKernel
{
    public abstract ErasureImplementation Implementation { get; }

    public abstract CodingMatrix Prepare(byte[] coefficients, int rows, int columns);

    /// <summary>
    /// outputs[r][p] = Σ_c coefficients[r, c] · inputs[c][p] for p &lt; <paramref name="length"/>.
    /// Outputs must not overlap inputs or each other; the caller keeps every buffer pinned.
    /// </summary>
    public abstract unsafe void Multiply(CodingMatrix matrix, byte** inputs, byte** outputs, int length);
}
