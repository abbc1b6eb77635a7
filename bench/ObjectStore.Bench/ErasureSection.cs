using ObjectStore.Erasure;

namespace ObjectStore.Bench;

internal sealed record ErasureResult(string Requested, string? Implementation, double EncodeGBps, double DecodeGBps, string? Unavailable);

/// <summary>
/// RS(4,2) encode/decode speed of every erasure implementation, one thread each. The implementation is chosen
/// through the public switch, <c>OBJECTSTORE_ERASURE_IMPL</c>, which <see cref="ReedSolomonCodec"/> reads at
/// construction; the variable is restored afterwards.
/// </summary>
internal static class ErasureSection
{
    public const string EnvironmentVariable = "OBJECTSTORE_ERASURE_IMPL";

    public static readonly string[] Implementations = ["isa-l", "avx2", "scalar"];

    public static List<ErasureResult> Run(TextWriter log)
    {
        var results = new List<ErasureResult>();
        var saved = Environment.GetEnvironmentVariable(EnvironmentVariable);
        try
        {
            foreach (var name in Implementations)
            {
                Environment.SetEnvironmentVariable(EnvironmentVariable, name);
                ReedSolomonCodec codec;
                try
                {
                    codec = new ReedSolomonCodec(4, 2);
                }
                catch (PlatformNotSupportedException ex)
                {
                    log.WriteLine($"[bench] erasure {name}: unavailable ({ex.Message})");
                    results.Add(new ErasureResult(name, null, double.NaN, double.NaN, ex.Message));
                    continue;
                }

                var (encode, decode) = ErasureBenchmark.Measure(codec, 1 << 20, TimeSpan.FromSeconds(1));
                log.WriteLine($"[bench] erasure {codec.Implementation}: encode {encode:F2} GB/s, decode {decode:F2} GB/s");
                results.Add(new ErasureResult(name, codec.Implementation, encode, decode, null));
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(EnvironmentVariable, saved);
        }

        return results;
    }
}
