using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ObjectStore.Storage;
using ObjectStore.Storage.Metadata;
using ObjectStore.Tests.Objects.Fakes;

namespace ObjectStore.Tests.Metadata;

/// <summary>The metadata cache in front of a store without a watch (Blob Storage), whose writes reach other Api instances as broadcasts.</summary>
public sealed class CachingMetadataStoreTests
{
    private readonly InMemoryMetadataStore _inner = new();
    private readonly FakeControlBus _bus = new();
    private readonly FakeTimeProvider _time = new();
    private readonly CachingMetadataStore _cache;

    public CachingMetadataStoreTests() =>
        _cache = new CachingMetadataStore(_inner, _bus, Options.Create(new ObjectStoreOptions { MetadataExchange = "meta" }), _time, NullLogger<CachingMetadataStore>.Instance);

    [Fact]
    public async Task A_write_is_broadcast_with_this_instances_origin_so_others_drop_the_name()
    {
        await _cache.AppendAsync(StoreUnderTest.Name("a"), 1, new string('1', 64), deleted: false, "replica-3", CancellationToken.None);

        var (exchange, body) = Assert.Single(_bus.Published);
        Assert.Equal("meta", exchange);
        Assert.Equal(new MetadataChanged("a", _cache.InstanceId), JsonSerializer.Deserialize<MetadataChanged>(body));
    }

    [Fact]
    public async Task A_write_succeeds_while_the_bus_is_down_and_other_instances_catch_up_after_the_ttl()
    {
        _bus.Down = true;

        var written = await _cache.AppendAsync(StoreUnderTest.Name("a"), 1, new string('1', 64), deleted: false, "replica-3", CancellationToken.None);

        Assert.Equal(1, written.Version);
        Assert.Empty(_bus.Published);
        Assert.Equal(1, (await _inner.GetLatestAsync(StoreUnderTest.Name("a"), CancellationToken.None))!.Version);
    }

    [Fact]
    public async Task Another_instances_change_drops_the_cached_head_and_its_own_does_not()
    {
        var name = StoreUnderTest.Name("a");
        await _cache.AppendAsync(name, 1, new string('1', 64), deleted: false, "replica-3", CancellationToken.None);
        // Another instance writes version 2 behind this cache's back.
        await _inner.AppendAsync(name, 1, new string('2', 64), deleted: false, "replica-3", CancellationToken.None);

        _cache.Forget(new MetadataChanged("a", _cache.InstanceId));
        Assert.Equal(1, (await _cache.GetLatestAsync(name, CancellationToken.None))!.Version);

        _cache.Forget(new MetadataChanged("a", "another-instance"));
        Assert.Equal(2, (await _cache.GetLatestAsync(name, CancellationToken.None))!.Version);
    }
}
