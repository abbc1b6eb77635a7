using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using ObjectStore.Storage.Volumes;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Volumes;

/// <summary>
/// A pack whose fdatasync failed is not trusted again: the kernel may have dropped the pages it could not write and
/// reports that once, so a later flush of the same pack could succeed over lost bytes.
/// </summary>
public sealed class PackFlushFailureTests : IDisposable
{
    private readonly TemporaryDirectory _root = new();
    private int _failNextFlush;

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task A_failed_flush_drops_its_records_and_seals_the_pack_and_the_next_store_goes_into_a_new_one()
    {
        using var packs = Open();
        var before = Write(packs, "before");
        await packs.PublishAsync([before]);

        Volatile.Write(ref _failNextFlush, 1);
        var failed = Write(packs, "failed");
        var error = await Assert.ThrowsAsync<IOException>(() => packs.PublishAsync([failed]));
        Assert.Contains("EIO", error.Message, StringComparison.Ordinal);
        Assert.False(packs.TryGet("failed", out _), "a record whose flush failed is not readable");

        var after = Write(packs, "after");
        await packs.PublishAsync([after]);
        Assert.NotEqual(failed.Entry.Pack, after.Entry.Pack);
        Assert.True(packs.TryGet("before", out var kept) && kept.Pack == before.Entry.Pack, "what was flushed before the failure stays where it is");
        Assert.True(packs.TryGet("after", out _));

        var failedPack = PackFile.Records(_root.Combine($"{failed.Entry.Pack:D10}.pack")).ToList();
        Assert.True(failedPack.Single(r => r.Key == "failed").Dead, "the failed record is marked dead on disk");
        Assert.False(failedPack.Single(r => r.Key == "before").Dead);
    }

    private PackedObjects Open() => new(_root.FullPath, 1024 * 1024, NullLogger.Instance, Flush);

    private void Flush(SafeFileHandle handle)
    {
        // Called on the flushing thread of the pack's GroupedSync.
        if (Interlocked.Exchange(ref _failNextFlush, 0) == 1)
        {
            throw new IOException("fdatasync: EIO (injected)");
        }

        DataSync.Flush(handle);
    }

    private static PendingRecord Write(PackedObjects packs, string key) =>
        packs.Write(key, [TestBytes.Random(3_000, key.Length)], 3_000, DateTime.UtcNow);
}
