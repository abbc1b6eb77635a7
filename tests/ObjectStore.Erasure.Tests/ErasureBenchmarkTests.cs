using Xunit.Abstractions;

namespace ObjectStore.Erasure.Tests;

/// <summary>Proves the benchmark runs and shows its figures; asserts nothing about speed.</summary>
public sealed class ErasureBenchmarkTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(ReedSolomonCodecTests.EveryImplementation), MemberType = typeof(ReedSolomonCodecTests))]
    public void Measure_reports_positive_throughput(string implementation)
    {
        var codec = Implementations.Create(implementation, 4, 2);

        var (encode, decode) = ErasureBenchmark.Measure(codec, 64 * 1024, TimeSpan.FromMilliseconds(50));

        output.WriteLine($"{codec.Implementation} RS(4,2) 64 KiB shards: encode {encode:F2} GB/s, decode {decode:F2} GB/s");
        Assert.True(encode > 0);
        Assert.True(decode > 0);
    }
}
