namespace ObjectStore.Erasure;

/// <summary>Every exception the codec throws, worded in one place.</summary>
internal static class Errors
{
    public static ArgumentException ShardCount(string paramName, int expected, int actual) =>
        new($"Expected {expected} shard buffers but got {actual}.", paramName);

    public static ArgumentException ShardLength(string paramName, int index, int expected, int actual) =>
        new($"Shard {index} is {actual} bytes but shard 0 is {expected}; every shard of a stripe must have the same length.", paramName);

    public static ArgumentException ShardsOverlap(string paramName, int written, int other) =>
        new($"Shard {written} is written but overlaps the memory of shard {other}.", paramName);

    public static InvalidOperationException UnknownImplementation(string value) =>
        new($"{ErasureImplementations.EnvironmentVariable}='{value}' is not one of isa-l, avx2, scalar.");

    public static PlatformNotSupportedException ImplementationUnavailable(ErasureImplementation implementation)
    {
        string reason = implementation switch
        {
            ErasureImplementation.IsaL => $"{IsaLLibrary.LibraryName} (Debian package libisal2) could not be loaded",
            ErasureImplementation.Avx2 => "this CPU or runtime does not support AVX2",
            _ => "it is unknown",
        };
        return new($"Erasure implementation '{ErasureImplementations.Name(implementation)}' was requested but {reason}. " +
                   $"Unset {ErasureImplementations.EnvironmentVariable} to choose automatically.");
    }

    public static InvalidOperationException SingularDecodeMatrix(string presentShards) =>
        new($"The coding matrix restricted to shards {presentShards} is singular; the generator is not MDS.");
}
