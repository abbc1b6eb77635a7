using System.Runtime.InteropServices;

namespace ObjectStore.Erasure;

/// <summary>
/// Entry points of Intel ISA-L, resolved once with <see cref="NativeLibrary"/> so a machine without the
/// library falls back to managed code instead of failing on first call.
/// </summary>
/// <remarks>
/// Unmanaged function pointers rather than <c>[DllImport]</c>: nothing is marshalled (every argument
/// is an int or a pointer) and no assembly-wide import resolver is needed.
/// </remarks>
internal sealed unsafe class IsaLLibrary
{
    /// <summary>The soname Debian's libisal2 installs; ISA-L's ABI has been stable across 2.x.</summary>
    public const string LibraryName = "libisal.so.2";

    private static readonly string[] s_candidates = [LibraryName, "libisal.so", "libisal.2.dylib", "isa-l.dll"];

    // void ec_init_tables(int k, int rows, unsigned char *a, unsigned char *gftbls)
    private readonly delegate* unmanaged<int, int, byte*, byte*, void> _initTables;

    // void ec_encode_data(int len, int k, int rows, unsigned char *gftbls, unsigned char **data, unsigned char **coding)
    private readonly delegate* unmanaged<int, int, int, byte*, byte**, byte**, void> _encodeData;

    // void gf_gen_cauchy1_matrix(unsigned char *a, int m, int k) — m is the total row count
    private readonly delegate* unmanaged<byte*, int, int, void> _generateCauchy;

    // int gf_invert_matrix(unsigned char *in, unsigned char *out, const int n) — destroys in; 0 on success
    private readonly delegate* unmanaged<byte*, byte*, int, int> _invertMatrix;

    // unsigned char gf_mul(unsigned char a, unsigned char b)
    private readonly delegate* unmanaged<byte, byte, byte> _multiply;

    private IsaLLibrary(nint handle)
    {
        _initTables = (delegate* unmanaged<int, int, byte*, byte*, void>)NativeLibrary.GetExport(handle, "ec_init_tables");
        _encodeData = (delegate* unmanaged<int, int, int, byte*, byte**, byte**, void>)NativeLibrary.GetExport(handle, "ec_encode_data");
        _generateCauchy = (delegate* unmanaged<byte*, int, int, void>)NativeLibrary.GetExport(handle, "gf_gen_cauchy1_matrix");
        _invertMatrix = (delegate* unmanaged<byte*, byte*, int, int>)NativeLibrary.GetExport(handle, "gf_invert_matrix");
        _multiply = (delegate* unmanaged<byte, byte, byte>)NativeLibrary.GetExport(handle, "gf_mul");
    }

    /// <summary>Null when ISA-L is not installed or lacks an entry point we use.</summary>
    public static IsaLLibrary? Instance { get; } = TryLoad();

    /// <summary>Expands a rows×k coefficient matrix into the 32·k·rows bytes of tables ec_encode_data reads.</summary>
    public void InitTables(int k, int rows, byte* coefficients, byte* tables) => _initTables(k, rows, coefficients, tables);

    public void EncodeData(int length, int k, int rows, byte* tables, byte** data, byte** coding) =>
        _encodeData(length, k, rows, tables, data, coding);

    public byte[] GenerateCauchyMatrix(int dataShards, int totalShards)
    {
        var matrix = new byte[totalShards * dataShards];
        fixed (byte* a = matrix)
        {
            _generateCauchy(a, totalShards, dataShards);
        }

        return matrix;
    }

    public bool TryInvertMatrix(ReadOnlySpan<byte> matrix, int n, Span<byte> inverse)
    {
        byte[] scratch = matrix[..(n * n)].ToArray();
        fixed (byte* input = scratch)
        fixed (byte* output = inverse)
        {
            return _invertMatrix(input, output, n) == 0;
        }
    }

    public byte Multiply(byte a, byte b) => _multiply(a, b);

    private static IsaLLibrary? TryLoad()
    {
        foreach (string candidate in s_candidates)
        {
            if (!NativeLibrary.TryLoad(candidate, out nint handle))
            {
                continue;
            }

            try
            {
                return new IsaLLibrary(handle);
            }
            catch (EntryPointNotFoundException)
            {
                NativeLibrary.Free(handle);
            }
        }

        return null;
    }
}
