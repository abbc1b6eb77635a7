using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ObjectStore.IntegrationTests.Infrastructure;
using ObjectStore.Storage;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Objects;

namespace ObjectStore.IntegrationTests;

/// <summary>What only the etcd store does: content records, name listings, grouped commits, and the race with the collector.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class EtcdMetadataStoreTests(InfraFixture infra) : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly string _prefix = "etcd-" + Guid.NewGuid().ToString("N")[..12];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    private EtcdMetadataStore Open(TimeSpan? grace = null)
    {
        var (store, owned) = EtcdStores.Open(infra, Options.Create(new ObjectStoreOptions { EtcdPrefix = _prefix, ContentGracePeriod = grace ?? TimeSpan.FromHours(1) }));
        _owned.Add(owned);
        return store;
    }

    private static ObjectName Name(string value) => ObjectName.TryCreate(value, out var name, out _) ? name! : throw new ArgumentException(value);

    private static string Hash(int seed) => TestData.Sha256Hex(BitConverter.GetBytes(seed));

    [Fact]
    public async Task A_content_record_counts_the_versions_that_reference_it_in_the_same_commit()
    {
        var store = Open();
        Assert.Null(await store.FindContentAsync(Hash(1), default));

        await store.AppendAsync(Name("one"), 10, Hash(1), deleted: false, "replica-3", default);
        await store.AppendAsync(Name("two"), 10, Hash(1), deleted: false, "replica-3", default);
        await store.AppendAsync(Name("one"), 0, string.Empty, deleted: true, "replica-3", default);

        var record = await store.FindContentAsync(Hash(1), default);
        Assert.Equal((2L, ContentState.Live, 10L, "replica-3", Hash(1)), (record!.References, record.State, record.Size, record.Layout, record.Hash));

        // Coded content is recorded under its storage id, which differs by layout.
        await store.AppendAsync(Name("coded"), 1_000_000, Hash(1), deleted: false, "rs-2-1", default);
        var coded = await store.FindContentAsync(ObjectLayout.Parse("rs-2-1").StorageId(ContentHash.TryParse(Hash(1), out var h) ? h : default).Hex, default);
        Assert.Equal((1L, "rs-2-1"), (coded!.References, coded.Layout));
        Assert.Equal(2, (await store.FindContentAsync(Hash(1), default))!.References);
    }

    [Fact]
    public async Task Concurrent_point_reads_share_round_trips_and_each_gets_its_own_record()
    {
        var store = Open();
        for (var i = 0; i < 8; i++)
        {
            await store.AppendAsync(Name($"read-{i}"), 10 + i, Hash(100 + i), deleted: false, "replica-3", default);
        }

        // 64 reads asked at once (a PUT's dedup read, a GET's head read): the first goes alone, the others gather behind it.
        var sizes = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i => i % 2 == 0
            ? (await store.FindContentAsync(Hash(100 + i % 8), default))?.Size
            : (await store.GetLatestAsync(Name($"read-{i % 8}"), default))?.Size));

        Assert.Equal(Enumerable.Range(0, 64).Select(i => (long?)(10 + i % 8)), sizes);
        Assert.InRange(store.GroupedReads, 1, 63);
        Assert.Null(await store.FindContentAsync(Hash(999), default));
    }

    [Fact]
    public async Task Forty_writers_on_four_names_through_two_instances_leave_every_name_gap_free_and_counts_exact()
    {
        var instances = new[] { Open(), Open() };
        var start = new TaskCompletionSource();
        var appends = Enumerable.Range(0, 40).Select(async i =>
        {
            await start.Task;
            // Ten names' worth of commits grouped per instance, colliding across instances: groups fail and fall back.
            return await instances[i % 2].AppendAsync(Name($"n{i % 4}"), 1, Hash(i % 3), deleted: false, "replica-1", default);
        }).ToList();
        start.SetResult();
        var written = await Task.WhenAll(appends);

        foreach (var group in written.GroupBy(w => w.Name))
        {
            Assert.Equal(Enumerable.Range(1, 10).Select(v => (long)v), group.Select(w => w.Version).Order());
            Assert.Equal(10, (await instances[0].ListVersionsAsync(Name(group.Key), default)).Count);
        }

        for (var c = 0; c < 3; c++)
        {
            Assert.Equal(written.Count(w => w.Hash == Hash(c)), (await instances[1].FindContentAsync(Hash(c), default))!.References);
        }
    }

    [Fact]
    public async Task Names_under_a_prefix_list_in_order_one_page_at_a_time()
    {
        var store = Open();
        foreach (var name in new[] { "photos/3", "photos/1", "photos/2", "photos0", "photo", "photos/10" })
        {
            await store.AppendAsync(Name(name), 1, Hash(1), deleted: false, "replica-1", default);
        }

        await store.AppendAsync(Name("photos/2"), 0, string.Empty, deleted: true, "replica-1", default);

        var first = await store.ListNamesAsync("photos/", null, 2, default);
        Assert.Equal(["photos/1", "photos/10"], first.Select(v => v.Name));
        var second = await store.ListNamesAsync("photos/", first[^1].Name, 2, default);
        Assert.Equal(["photos/2", "photos/3"], second.Select(v => v.Name));
        Assert.Equal([true, false], second.Select(v => v.Deleted));
        Assert.Empty(await store.ListNamesAsync("photos/", second[^1].Name, 2, default));
    }

    [Fact]
    public async Task A_purge_of_more_versions_than_one_transaction_holds_takes_every_reference_off_the_content()
    {
        var store = Open();
        var versions = EtcdMetadataStore.VersionsPerTransaction * 2 + 3;
        for (var i = 0; i < versions; i++)
        {
            await store.AppendAsync(Name("many"), 10, Hash(i % 2), deleted: false, "replica-1", default);
        }

        await store.AppendAsync(Name("keeper"), 10, Hash(0), deleted: false, "replica-1", default);

        Assert.Equal(versions, await store.PurgeAsync(Name("many"), default));

        var records = await store.ScanContentAsync(null, null, default).ToDictionaryAsync(r => r.StorageId, r => r.References);
        Assert.Equal(1, records[Hash(0)]);
        Assert.Equal(0, records[Hash(1)]);
        Assert.Empty(await store.ListNamesAsync("many", null, 10, default));
    }

    [Fact]
    public async Task An_unreachable_cluster_fails_reads_and_commits_with_metadata_unavailable_and_writes_nothing()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(EtcdConnection.EndpointsSetting, $"http://127.0.0.1:{LoopbackPorts.Take()}")]).Build();
        using var connection = new EtcdConnection(configuration);
        await using var dead = new EtcdMetadataStore(connection, Options.Create(new ObjectStoreOptions { EtcdPrefix = _prefix, EtcdOperationTimeout = TimeSpan.FromSeconds(2) }), TimeProvider.System, NullLogger<EtcdMetadataStore>.Instance);

        var read = await Assert.ThrowsAsync<MetadataUnavailableException>(() => dead.GetLatestAsync(Name("x"), default));
        Assert.Contains("etcd", read.Message);
        var commit = await Assert.ThrowsAsync<MetadataUnavailableException>(() => dead.AppendAsync(Name("x"), 1, Hash(1), deleted: false, "replica-1", default));
        // etcd answers a proposal it could not commit in time as Unavailable too, so the commit cannot tell "not sent" from
        // "not confirmed", and says no more than it knows.
        Assert.Contains("etcd", commit.Message);
        Assert.Contains("not visible now", commit.Message);
        Assert.Null(await Open().GetLatestAsync(Name("x"), default));
    }

    [Fact]
    public async Task A_writer_that_looks_at_unreferenced_content_before_the_collector_claims_it_wins()
    {
        var store = Open(grace: TimeSpan.Zero);
        var collector = Open(grace: TimeSpan.Zero);
        var unreferenced = await UnreferencedAsync(store, Hash(7));

        // The writer's dedup read restarts the grace period, so the collector's claim on what it had read fails.
        Assert.Equal(ContentState.Live, (await store.FindContentAsync(Hash(7), default))!.State);
        Assert.False(await collector.TryReplaceContentAsync(unreferenced, unreferenced with { State = ContentState.Collecting }, default));
        var version = await store.AppendAsync(Name("winner"), 5, Hash(7), deleted: false, "replica-1", default);

        Assert.Equal(1, version.Version);
        Assert.Equal((1L, ContentState.Live), ((await collector.FindContentAsync(Hash(7), default))!.References, (await collector.FindContentAsync(Hash(7), default))!.State));
    }

    [Fact]
    public async Task A_writer_that_comes_after_the_collector_claimed_the_content_waits_and_stores_it_again()
    {
        var store = Open(grace: TimeSpan.Zero);
        var collector = Open(grace: TimeSpan.Zero);
        var unreferenced = await UnreferencedAsync(store, Hash(8));
        Assert.True(await collector.TryReplaceContentAsync(unreferenced, unreferenced with { State = ContentState.Collecting }, default));

        // The writer's dedup read waits while the collection is under way, then reports the content gone (so its bytes are sent again).
        var look = store.FindContentAsync(Hash(8), default);
        var claimed = await collector.FindClaimedAsync(Hash(8), default);
        Assert.True(await collector.TryReplaceContentAsync(claimed!, claimed! with { State = ContentState.Collected }, default));
        var seen = await look;
        Assert.Equal(ContentState.Collected, seen!.State);

        var version = await store.AppendAsync(Name("after"), 5, Hash(8), deleted: false, "replica-1", default);
        var record = await collector.FindContentAsync(Hash(8), default);
        Assert.Equal(1, version.Version);
        Assert.Equal((1L, ContentState.Live, unreferenced.Generation + 1), (record!.References, record.State, record.Generation));
    }

    [Fact]
    public async Task A_commit_of_bytes_stored_without_looking_first_is_refused_for_content_being_or_ever_collected()
    {
        var store = Open(grace: TimeSpan.Zero);
        var collector = Open(grace: TimeSpan.Zero);

        // New content and live content: committed as for a writer that looked.
        Assert.Equal(1, (await store.AppendAsync(Name("new"), 5, Hash(20), deleted: false, "replica-1", default, contentLookedUp: false)).Version);
        Assert.Equal(1, (await Open().AppendAsync(Name("same"), 5, Hash(20), deleted: false, "replica-1", default, contentLookedUp: false)).Version);
        Assert.Equal(2L, (await collector.FindContentAsync(Hash(20), default))!.References);

        // Claimed: the deletion may reach bytes stored now. Collected: a writer that did not look cannot tell whether the
        // deletion came before its store or after — neither from the record in etcd nor from one this process saw.
        var unreferenced = await UnreferencedAsync(store, Hash(21));
        Assert.True(await collector.TryReplaceContentAsync(unreferenced, unreferenced with { State = ContentState.Collecting }, default));
        await Assert.ThrowsAsync<ContentCollectedException>(() => store.AppendAsync(Name("during"), 5, Hash(21), deleted: false, "replica-1", default, contentLookedUp: false));
        var claimed = await collector.FindClaimedAsync(Hash(21), default);
        Assert.True(await collector.TryReplaceContentAsync(claimed!, claimed! with { State = ContentState.Collected }, default));
        var fresh = Open(grace: TimeSpan.Zero);
        await Assert.ThrowsAsync<ContentCollectedException>(() => fresh.AppendAsync(Name("after"), 5, Hash(21), deleted: false, "replica-1", default, contentLookedUp: false));
        await Assert.ThrowsAsync<ContentCollectedException>(() => fresh.AppendAsync(Name("after"), 5, Hash(21), deleted: false, "replica-1", default, contentLookedUp: false));
        Assert.Null(await collector.GetLatestAsync(Name("during"), default));
        Assert.Null(await collector.GetLatestAsync(Name("after"), default));

        // A writer that looks, and so stores after the deletion, brings the content back.
        Assert.Equal(ContentState.Collected, (await fresh.FindContentAsync(Hash(21), default))!.State);
        Assert.Equal(1, (await fresh.AppendAsync(Name("after"), 5, Hash(21), deleted: false, "replica-1", default)).Version);
        var record = await collector.FindContentAsync(Hash(21), default);
        Assert.Equal((1L, ContentState.Live), (record!.References, record.State));
    }

    [Fact]
    public async Task Racing_writers_and_a_collector_never_leave_a_version_on_collected_content()
    {
        for (var round = 0; round < 10; round++)
        {
            var store = Open(grace: TimeSpan.Zero);
            var collector = Open(grace: TimeSpan.Zero);
            var hash = Hash(1000 + round);
            var unreferenced = await UnreferencedAsync(store, hash);
            var start = new TaskCompletionSource();
            var claim = Task.Run(async () =>
            {
                await start.Task;
                if (!await collector.TryReplaceContentAsync(unreferenced, unreferenced with { State = ContentState.Collecting }, default))
                {
                    return false;
                }

                var claimed = await collector.FindClaimedAsync(hash, default);
                return await collector.TryReplaceContentAsync(claimed!, claimed! with { State = ContentState.Collected }, default);
            });
            var write = Task.Run(async () =>
            {
                await start.Task;
                var seen = await store.FindContentAsync(hash, default);
                return (Seen: seen, Version: await store.AppendAsync(Name($"race-{round}"), 5, hash, deleted: false, "replica-1", default));
            });
            start.SetResult();
            var collected = await claim;
            var (seen, version) = await write;

            var record = await collector.FindContentAsync(hash, default);
            Assert.Equal(1, version.Version);
            Assert.Equal((1L, ContentState.Live), (record!.References, record.State));
            // Either the collector lost, or it finished before the writer looked and the writer stored the bytes again.
            Assert.True(!collected || seen is { State: ContentState.Collected }, $"round {round}: collected={collected}, writer saw {seen}");
        }
    }

    /// <summary>Content committed once and then dropped, so its record is live with no reference.</summary>
    private async Task<ContentRecord> UnreferencedAsync(EtcdMetadataStore store, string hash)
    {
        var name = "to-drop-" + hash[..8];
        var version = await store.AppendAsync(Name(name), 5, hash, deleted: false, "replica-1", default);
        var head = await store.ScanHeadsAsync(default).FirstAsync(h => h.Name == name);
        Assert.True(await store.TryDropVersionsAsync(name, [version], dropName: true, head.Revision, default));
        // A range read is linearizable: it sees the drop whichever member answers.
        var record = await store.ScanContentAsync(hash, null, default).FirstAsync();
        Assert.Equal((hash, 0L, ContentState.Live), (record.StorageId, record.References, record.State));
        return await store.FindContentAsync(hash, default) ?? throw new UnreachableException();
    }
}
