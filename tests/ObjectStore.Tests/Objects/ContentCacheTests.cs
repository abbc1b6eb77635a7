using Microsoft.Extensions.Options;
using ObjectStore.Storage;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Tests.Objects;

public sealed class ContentCacheTests
{
    private static ContentCache Cache(long bytes) => new(Options.Create(new ObjectStoreOptions { ReadCacheBytes = bytes, ReplicateUpToBytes = 128 * 1024 }));

    [Fact]
    public void What_was_added_is_found_and_what_was_not_is_not()
    {
        var cache = Cache(1024 * 1024);
        cache.Add("a", [1, 2, 3]);

        Assert.True(cache.TryGet("a", out var content));
        Assert.Equal([1, 2, 3], content.ToArray());
        Assert.False(cache.TryGet("b", out _));
    }

    [Fact]
    public void The_bound_holds_and_the_least_recently_used_go_first()
    {
        var cache = Cache(160 * 1024);
        cache.Add("keep", new byte[10 * 1024]);
        for (var i = 0; i < 40; i++)
        {
            Assert.True(cache.TryGet("keep", out _));
            cache.Add($"x{i}", new byte[10 * 1024]);
        }

        Assert.InRange(cache.Bytes, 0, 160 * 1024);
        Assert.True(cache.TryGet("keep", out _));
        Assert.False(cache.TryGet("x0", out _));
        Assert.True(cache.TryGet("x39", out _));
    }

    [Fact]
    public void Objects_larger_than_a_sixteenth_of_the_cache_or_than_small_objects_are_not_kept()
    {
        var cache = Cache(1024 * 1024);
        cache.Add("big", new byte[(1024 * 1024 / 16) + 1]);
        Assert.False(cache.TryGet("big", out _));

        var off = Cache(0);
        off.Add("a", [1]);
        Assert.False(off.TryGet("a", out _));
    }
}
