namespace ObjectStore.Erasure.Tests;

public sealed class ErasureImplementationsTests
{
    [Theory]
    [InlineData("isa-l", "isa-l")]
    [InlineData("AVX2", "avx2")]
    [InlineData(" scalar ", "scalar")]
    public void Forced_names_parse(string forced, string expected)
    {
        Assert.Equal(expected, ErasureImplementations.Name(ErasureImplementations.Select(forced)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Nothing_forced_picks_the_fastest_available(string? forced)
    {
        Assert.Equal(ErasureImplementations.Available[0], ErasureImplementations.Select(forced));
    }

    [Fact]
    public void Unknown_name_is_a_clear_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ErasureImplementations.Select("gfni"));
        Assert.Contains("OBJECTSTORE_ERASURE_IMPL='gfni'", error.Message);
    }

    [Fact]
    public void Unavailable_implementation_is_a_clear_error()
    {
        foreach (var implementation in Enum.GetValues<ErasureImplementation>())
        {
            if (!ErasureImplementations.IsAvailable(implementation))
            {
                var error = Assert.Throws<PlatformNotSupportedException>(() => new ReedSolomonCodec(4, 2, implementation));
                Assert.Contains(ErasureImplementations.Name(implementation), error.Message);
            }
        }
    }
}
