using Microsoft.Extensions.Options;
using ObjectStore.FileSystem.Data;
using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Tests.Data;

internal static class DataTestKit
{
    public const int MiB = 1 << 20;

    public static FileData NewFileData(IFileSystemMeta meta, ISliceStore store, Action<FileDataOptions>? configure = null)
    {
        var options = new FileDataOptions { Volume = "test", WriteBufferBytes = 32 * MiB, MemoryCacheBytes = 32 * MiB, RetryDelay = TimeSpan.Zero };
        configure?.Invoke(options);
        return new FileData(meta, store, Options.Create(options));
    }

    public static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static async Task<byte[]> ReadAllAsync(FileHandle handle, long length, int bufferSize = 128 * 1024)
    {
        var result = new byte[length];
        for (long at = 0; at < length;)
        {
            var n = await handle.ReadAsync(at, result.AsMemory((int)at, (int)Math.Min(bufferSize, length - at)), CancellationToken.None);
            Assert.True(n > 0, $"read at {at} of {length} returned 0");
            at += n;
        }

        Assert.Equal(0, await handle.ReadAsync(length, new byte[16], CancellationToken.None));
        return result;
    }

    /// <summary>Bounded polling for background work (uploads, read-ahead) that finishes on its own schedule.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not happen within {seconds} s");
            }

            await Task.Delay(10);
        }
    }
}
