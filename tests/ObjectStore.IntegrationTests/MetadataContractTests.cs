using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ObjectStore.IntegrationTests.Infrastructure;
using ObjectStore.Storage;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Naming;

namespace ObjectStore.IntegrationTests;

/// <summary>
/// What every metadata store promises, run against each real one: etcd (the 3-member cluster) and Blob Storage
/// (Azurite). Each test has a store namespace of its own (a key prefix, a container), and two store instances stand
/// for two Api instances.
/// </summary>
public abstract class MetadataContractTests(InfraFixture infra) : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];

    protected InfraFixture Infra { get; } = infra;

    protected string Namespace { get; } = "contract-" + Guid.NewGuid().ToString("N")[..12];

    protected IMetadataStore Store { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Store = Open();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    /// <summary>Another store instance on the same namespace: another Api instance.</summary>
    protected IMetadataStore Open()
    {
        var (store, owned) = Create(Options.Create(new ObjectStoreOptions { EtcdPrefix = Namespace, MetadataContainer = Namespace }));
        if (owned is not null)
        {
            _owned.Add(owned);
        }

        return store;
    }

    protected abstract (IMetadataStore Store, IAsyncDisposable? Owned) Create(IOptions<ObjectStoreOptions> options);

    protected static ObjectName Name(string value) => ObjectName.TryCreate(value, out var name, out var error) ? name! : throw new ArgumentException(error);

    protected static string Hash(int seed) => TestData.Sha256Hex(BitConverter.GetBytes(seed));

    [Fact]
    public async Task An_unknown_name_has_no_versions()
    {
        var name = Name("nothing-here");
        Assert.Null(await Store.GetLatestAsync(name, default));
        Assert.Null(await Store.GetVersionAsync(name, 1, default));
        Assert.Empty(await Store.ListVersionsAsync(name, default));
    }

    [Fact]
    public async Task Appends_make_versions_1_2_3_and_a_delete_marker_readable_by_number_and_listed_oldest_first()
    {
        var name = Name("a/b/c.txt");
        for (var i = 1; i <= 3; i++)
        {
            var written = await Store.AppendAsync(name, 100 * i, Hash(i), deleted: false, "replica-2", default);
            Assert.Equal(i, written.Version);
            Assert.Equal(name.Value, written.Name);
        }

        var marker = await Store.AppendAsync(name, 0, string.Empty, deleted: true, "replica-2", default);
        Assert.Equal(4, marker.Version);
        Assert.True(marker.Deleted);

        var latest = await Store.GetLatestAsync(name, default);
        Assert.Equal(4, latest!.Version);
        Assert.True(latest.Deleted);
        var second = await Store.GetVersionAsync(name, 2, default);
        Assert.Equal((200L, Hash(2), "replica-2", false), (second!.Size, second.Hash, second.Layout, second.Deleted));
        Assert.Null(await Store.GetVersionAsync(name, 5, default));
        Assert.Null(await Store.GetVersionAsync(name, 0, default));
        var listed = await Store.ListVersionsAsync(name, default);
        Assert.Equal([1L, 2, 3, 4], listed.Select(v => v.Version));
        Assert.Equal([false, false, false, true], listed.Select(v => v.Deleted));
    }

    [Fact]
    public async Task Names_that_share_a_prefix_keep_their_versions_apart()
    {
        string[] names = ["a", "a/b", "ab", "a\u0001", "é", "a b"];
        foreach (var (value, i) in names.Select((n, i) => (n, i)))
        {
            for (var v = 0; v <= i; v++)
            {
                await Store.AppendAsync(Name(value), v, Hash(i * 100 + v), deleted: false, "replica-1", default);
            }
        }

        foreach (var (value, i) in names.Select((n, i) => (n, i)))
        {
            var versions = await Store.ListVersionsAsync(Name(value), default);
            Assert.Equal(Enumerable.Range(1, i + 1).Select(v => (long)v), versions.Select(v => v.Version));
            Assert.All(versions, v => Assert.Equal(value, v.Name));
            Assert.Equal(Hash(i * 100 + i), (await Store.GetLatestAsync(Name(value), default))!.Hash);
        }
    }

    [Fact]
    public async Task Twenty_racing_appends_from_two_instances_get_versions_1_to_20_once_each()
    {
        var instances = new[] { Store, Open() };
        var name = Name("race");
        var start = new TaskCompletionSource();
        var appends = Enumerable.Range(0, 20).Select(async i =>
        {
            await start.Task;
            return await instances[i % 2].AppendAsync(name, i, Hash(i), deleted: false, "replica-1", default);
        }).ToList();
        start.SetResult();
        var written = await Task.WhenAll(appends);

        Assert.Equal(Enumerable.Range(1, 20).Select(v => (long)v), written.Select(w => w.Version).Order());
        var listed = await Store.ListVersionsAsync(name, default);
        Assert.Equal(written.OrderBy(w => w.Version).Select(w => (w.Version, w.Hash)), listed.Select(v => (v.Version, v.Hash)));
    }

    [Fact]
    public async Task A_purge_drops_every_version_and_the_name_starts_again_at_version_1()
    {
        var name = Name("purged/x");
        var other = Name("purged/y");
        for (var i = 1; i <= 3; i++)
        {
            await Store.AppendAsync(name, i, Hash(i), deleted: false, "replica-1", default);
        }

        await Store.AppendAsync(name, 0, string.Empty, deleted: true, "replica-1", default);
        await Store.AppendAsync(other, 9, Hash(9), deleted: false, "replica-1", default);
        var elsewhere = Open();
        Assert.Equal(4, (await elsewhere.GetLatestAsync(name, default))!.Version);

        Assert.Equal(4, await Store.PurgeAsync(name, default));

        Assert.Null(await Store.GetLatestAsync(name, default));
        Assert.Empty(await Store.ListVersionsAsync(name, default));
        Assert.Null(await Store.GetVersionAsync(name, 2, default));
        Assert.Equal(0, await Store.PurgeAsync(name, default));
        Assert.Equal(1, (await elsewhere.AppendAsync(name, 5, Hash(5), deleted: false, "replica-1", default)).Version);
        Assert.Equal(1, (await Store.GetLatestAsync(other, default))!.Version);
    }

    [Fact]
    public async Task A_scan_returns_live_versions_only()
    {
        await Store.AppendAsync(Name("kept"), 1, Hash(1), deleted: false, "replica-1", default);
        await Store.AppendAsync(Name("gone"), 2, Hash(2), deleted: false, "replica-1", default);
        await Store.AppendAsync(Name("gone"), 0, string.Empty, deleted: true, "replica-1", default);

        var scanned = new List<ObjectVersion>();
        await foreach (var version in Store.ScanAsync(default))
        {
            scanned.Add(version);
        }

        Assert.Equal(new[] { Hash(1), Hash(2) }.Order(StringComparer.Ordinal), scanned.Select(v => v.Hash).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(scanned, v => v.Deleted);
    }
}

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EtcdMetadataContractTests(InfraFixture infra) : MetadataContractTests(infra)
{
    protected override (IMetadataStore, IAsyncDisposable?) Create(IOptions<ObjectStoreOptions> options) => EtcdStores.Open(Infra, options);
}

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class BlobMetadataContractTests(InfraFixture infra) : MetadataContractTests(infra)
{
    protected override (IMetadataStore, IAsyncDisposable?) Create(IOptions<ObjectStoreOptions> options)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("AzureWebJobsStorage", Infra.AzureWebJobsStorage)]).Build();
        return (new BlobMetadataStore(configuration, options, TimeProvider.System, NullLogger<BlobMetadataStore>.Instance), null);
    }
}

/// <summary>An etcd metadata store in this test process, with a connection of its own (as another Api process would have).</summary>
internal static class EtcdStores
{
    public static (EtcdMetadataStore Store, IAsyncDisposable Owned) Open(InfraFixture infra, IOptions<ObjectStoreOptions> options, TimeProvider? time = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(EtcdConnection.EndpointsSetting, infra.EtcdEndpoints)]).Build();
        var connection = new EtcdConnection(configuration);
        var store = new EtcdMetadataStore(connection, options, time ?? TimeProvider.System, NullLogger<EtcdMetadataStore>.Instance);
        return (store, new Owned(store, connection));
    }

    private sealed class Owned(EtcdMetadataStore store, EtcdConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await store.DisposeAsync();
            connection.Dispose();
        }
    }
}
