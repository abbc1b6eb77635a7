namespace ObjectStore.Tests.Support;

internal static class TestBytes
{
    /// <summary>Reproducible pseudo-random bytes, so a failure can be replayed.</summary>
    public static byte[] Random(int length, int seed = 42)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
