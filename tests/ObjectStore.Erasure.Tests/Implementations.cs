namespace ObjectStore.Erasure.Tests;

internal static class Implementations
{
    /// <summary>Every implementation this machine can run, by name; unavailable ones are not tested here.</summary>
    public static IEnumerable<string> AvailableNames =>
        ErasureImplementations.Available.Select(ErasureImplementations.Name);

    public static ReedSolomonCodec Create(string name, int dataShards, int parityShards)
    {
        Assert.True(ErasureImplementations.TryParse(name, out var implementation));
        return new ReedSolomonCodec(dataShards, parityShards, implementation);
    }
}
