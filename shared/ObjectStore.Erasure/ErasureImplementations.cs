namespace ObjectStore.Erasure;

/// <summary>Naming, availability and selection of <see cref="ErasureImplementation"/>s.</summary>
internal static class ErasureImplementations
{
    /// <summary>Forces one implementation (<c>isa-l</c>, <c>avx2</c> or <c>scalar</c>) for tests and benchmarks.</summary>
    public const string EnvironmentVariable = "OBJECTSTORE_ERASURE_IMPL";

    /// <summary>Fastest first; the public constructor takes the first one available.</summary>
    private static readonly ErasureImplementation[] s_preference =
        [ErasureImplementation.IsaL, ErasureImplementation.Avx2, ErasureImplementation.Scalar];

    public static IReadOnlyList<ErasureImplementation> Available { get; } =
        Array.FindAll(s_preference, IsAvailable);

    public static string Name(ErasureImplementation implementation) => implementation switch
    {
        ErasureImplementation.IsaL => "isa-l",
        ErasureImplementation.Avx2 => "avx2",
        ErasureImplementation.Scalar => "scalar",
        _ => throw new ArgumentOutOfRangeException(nameof(implementation), implementation, null),
    };

    public static bool TryParse(string? name, out ErasureImplementation implementation)
    {
        foreach (var candidate in s_preference)
        {
            if (string.Equals(name?.Trim(), Name(candidate), StringComparison.OrdinalIgnoreCase))
            {
                implementation = candidate;
                return true;
            }
        }

        implementation = default;
        return false;
    }

    public static bool IsAvailable(ErasureImplementation implementation) => implementation switch
    {
        ErasureImplementation.IsaL => IsaLLibrary.Instance is not null,
        ErasureImplementation.Avx2 => Avx2CodingKernel.IsSupported,
        ErasureImplementation.Scalar => true,
        _ => false,
    };

    /// <summary>The forced implementation, the best available one when nothing is forced.</summary>
    public static ErasureImplementation Select(string? forced)
    {
        if (string.IsNullOrWhiteSpace(forced))
        {
            return Available[0];
        }

        return TryParse(forced, out var implementation)
            ? implementation
            : throw Errors.UnknownImplementation(forced);
    }

    public static CodingKernel CreateKernel(ErasureImplementation implementation) => implementation switch
    {
        ErasureImplementation.IsaL when IsaLLibrary.Instance is { } library => new IsaLCodingKernel(library),
        ErasureImplementation.Avx2 when Avx2CodingKernel.IsSupported => new Avx2CodingKernel(),
        ErasureImplementation.Scalar => new ScalarCodingKernel(),
        _ => throw Errors.ImplementationUnavailable(implementation),
    };
}
