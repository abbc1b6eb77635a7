using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Objects;
using ObjectStore.Tests.Objects.Fakes;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Objects;

public sealed class ObjectWriterTests
{
    private const int Large = (1024 * 1024) + 1;

    [Fact]
    public async Task A_small_object_is_three_whole_copies_on_distinct_nodes()
    {
        var store = new StoreUnderTest();
        var data = TestBytes.Random(4096);

        var version = await store.PutAsync("a", data);

        Assert.Equal("replica-3", version.Layout);
        Assert.Equal(1, version.Version);
        var files = store.Nodes.StoredFiles().ToList();
        Assert.Equal(3, files.Count);
        Assert.Equal(3, files.Select(f => f.Node).Distinct().Count());
        Assert.All(files, f => Assert.Equal(StoreUnderTest.HashOf(data).Hex, f.Key));
        Assert.Empty(store.Nodes.TempFiles());
        Assert.Equal(data, await store.GetAsync("a"));
    }

    [Fact]
    public async Task A_large_object_is_one_shard_per_node_and_reads_back()
    {
        var store = new StoreUnderTest();
        var data = TestBytes.Random(Large);

        var version = await store.PutAsync("big", data);

        Assert.Equal("rs-4-2", version.Layout);
        var files = store.Nodes.StoredFiles().ToList();
        Assert.Equal(6, files.Count);
        Assert.Equal(6, files.Select(f => f.Node).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 6), files.Select(f => int.Parse(f.Key.Split('.')[1])).Order());
        Assert.Equal(data, await store.GetAsync("big"));
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(Large)]
    public async Task What_a_put_stored_is_remembered_where_it_lies_so_reading_it_back_asks_no_node(int size)
    {
        var store = new StoreUnderTest();
        var data = TestBytes.Random(size);

        await store.PutAsync("o", data);

        var stored = store.Nodes.StoredFiles().ToList();
        var (key, answer) = Assert.Single(store.Nodes.Remembered);
        if (size <= 128 * 1024)
        {
            Assert.Equal((StoreUnderTest.HashOf(data).Hex, 0), key);
            Assert.All(answer, r => Assert.True(r.Found));
            Assert.Equal(stored.Select(f => f.Node).Order(), answer.Select(r => r.Address).Order());
        }
        else
        {
            Assert.Equal(6, key.Shards);
            Assert.Equal(
                stored.Select(f => (f.Node, $"{key.Hash}.{f.Key.Split('.')[1]}" == f.Key ? int.Parse(f.Key.Split('.')[1]) : -1)).Order(),
                answer.Select(r => (r.Address, Assert.Single(r.Shards!))).Order());
        }
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(Large)]
    public async Task A_put_says_where_its_time_went_in_the_server_timing_form(int size)
    {
        var store = new StoreUnderTest();
        var timings = new PutTimings();

        await store.Writer.PutAsync(StoreUnderTest.Name("t"), new MemoryStream(TestBytes.Random(size)), size, null, CancellationToken.None, timings);

        Assert.True(timings.Store > TimeSpan.Zero);
        Assert.True(timings.Commit > TimeSpan.Zero);
        Assert.True(size > 128 * 1024 || timings.Receive > TimeSpan.Zero, "a small body is received whole before storing");
        var metrics = timings.ToString().Split(", ").Select(m => m.Split(";dur=")).ToList();
        Assert.Equal(["receive", "dedup", "store", "commit"], metrics.Select(m => m[0]));
        // Each metric is its phase in milliseconds with two decimals, in that order.
        Assert.Equal(
            new[] { timings.Receive, timings.Dedup, timings.Store, timings.Commit }.Select(t => t.TotalMilliseconds.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)),
            metrics.Select(m => m[1]));
    }

    [Fact]
    public async Task A_body_of_unknown_length_is_coded_whatever_its_size()
    {
        var store = new StoreUnderTest();
        var data = TestBytes.Random(1000);

        var version = await store.PutAsync("unknown", new UploadStream(data), contentLength: null);

        Assert.Equal("rs-4-2", version.Layout);
        Assert.Equal(1000, version.Size);
        Assert.Equal(data, await store.GetAsync("unknown"));
    }

    [Fact]
    public async Task An_empty_object_is_stored_and_read_back_empty()
    {
        var store = new StoreUnderTest();

        var version = await store.PutAsync("empty", []);

        Assert.Equal(0, version.Size);
        Assert.Empty(await store.GetAsync("empty"));
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(Large)]
    public async Task A_node_refusing_before_the_body_is_read_is_replaced(int size)
    {
        // One node more than the layout needs: the refusing one is chosen sooner or later (all but surely within ten PUTs).
        var store = new StoreUnderTest(nodes: size <= 128 * 1024 ? 4 : 7);
        var refusing = store.Nodes.All.First();
        refusing.Refuses = true;
        for (var i = 0; i < 10; i++)
        {
            var data = TestBytes.Random(size, seed: i);
            await store.PutAsync($"o{i}", data);
            Assert.Equal(data, await store.GetAsync($"o{i}"));
        }

        Assert.Empty(refusing.Objects);
        Assert.Equal(1, refusing.UploadsStarted);
        Assert.DoesNotContain(refusing.Address, store.Nodes.Registry.LiveNodes().Select(n => n.Address));
    }

    [Fact]
    public async Task A_node_dying_mid_stream_of_a_large_object_fails_the_put_with_nothing_visible()
    {
        var store = new StoreUnderTest();
        store.Nodes.All.First().DiesAfterBytes = 128 * 1024;

        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PutAsync("big", TestBytes.Random(4 * Large)));

        Assert.Equal(0, store.Metadata.Appends);
        Assert.Empty(store.Nodes.StoredFiles());
        Assert.Empty(store.Nodes.TempFiles());
    }

    [Fact]
    public async Task A_node_storing_other_bytes_than_streamed_fails_the_put_with_nothing_visible()
    {
        var store = new StoreUnderTest();
        store.Nodes.All.Last().CorruptsUploads = true;

        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PutAsync("big", TestBytes.Random(4 * Large)));

        Assert.Equal(0, store.Metadata.Appends);
        Assert.Empty(store.Nodes.StoredFiles());
        Assert.Empty(store.Nodes.TempFiles());
    }

    [Theory]
    [InlineData(Large)]
    [InlineData(4 * 1024 * 1024)]
    public async Task A_coded_object_of_bounded_length_is_stored_one_request_per_shard_with_no_temp_upload(int size)
    {
        var store = new StoreUnderTest();
        var data = TestBytes.Random(size);

        var version = await store.PutAsync("bounded", data);

        Assert.Equal("rs-4-2", version.Layout);
        Assert.Equal(6, store.Nodes.All.Sum(n => n.OneRequestStores));
        Assert.Equal(6, store.Nodes.All.Sum(n => n.UploadsStarted));
        Assert.Equal(6, store.Holders(version).Count);
        Assert.Empty(store.Nodes.TempFiles());
        Assert.Equal(data, await store.GetAsync("bounded"));
        Assert.Equal(data.AsSpan(1000, 70_000).ToArray(), await store.GetAsync("bounded", new ByteRange(1000, 70_999)));
    }

    [Theory]
    [InlineData((4 * 1024 * 1024) + 1, long.MaxValue)]
    [InlineData(Large, 0L)]
    public async Task A_coded_object_too_large_to_hold_or_over_the_memory_budget_streams(int size, long budget)
    {
        var store = new StoreUnderTest(configure: o => o.BufferedWritesBudgetBytes = budget);
        var data = TestBytes.Random(size);

        await store.PutAsync("streamed", data);

        Assert.Equal(0, store.Nodes.All.Sum(n => n.OneRequestStores));
        Assert.Equal(data, await store.GetAsync("streamed"));
    }

    [Fact]
    public async Task A_shard_its_node_stores_wrongly_is_refused_by_that_node_and_stored_elsewhere()
    {
        var store = new StoreUnderTest(nodes: 7);
        var corrupting = store.Nodes.All.Last();
        corrupting.CorruptsUploads = true;
        // Six of seven nodes per PUT: the corrupting one is chosen sooner or later (all but surely within ten PUTs), then suspected.
        for (var i = 0; i < 10; i++)
        {
            var data = TestBytes.Random(Large, seed: i);

            var version = await store.PutAsync($"o{i}", data);

            Assert.Equal("rs-4-2", version.Layout);
            Assert.Equal(data, await store.GetAsync($"o{i}"));
        }

        Assert.Equal(1, corrupting.UploadsStarted);
        Assert.Empty(corrupting.Objects);
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(Large)]
    public async Task A_client_body_cut_off_midway_is_a_bad_request_with_nothing_stored(int size)
    {
        var store = new StoreUnderTest();
        var body = new UploadStream(TestBytes.Random(size), failAfter: size / 2);

        await Assert.ThrowsAsync<InvalidObjectRequestException>(() => store.PutAsync("cut", body, contentLength: size));

        Assert.Equal(0, store.Metadata.Appends);
        Assert.Empty(store.Nodes.StoredFiles());
        Assert.Empty(store.Nodes.TempFiles());
    }

    [Theory]
    [InlineData(4096, 4000)]
    [InlineData(4096, 5000)]
    [InlineData(Large, Large - 1)]
    [InlineData(Large, Large + 1)]
    public async Task A_body_longer_or_shorter_than_its_content_length_is_refused(int size, long claimed)
    {
        var store = new StoreUnderTest();

        await Assert.ThrowsAsync<InvalidObjectRequestException>(() => store.PutAsync("x", new UploadStream(TestBytes.Random(size)), claimed));

        Assert.Equal(0, store.Metadata.Appends);
        Assert.Empty(store.Nodes.StoredFiles());
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(Large)]
    public async Task A_digest_that_does_not_match_stores_nothing(int size)
    {
        var store = new StoreUnderTest();

        await Assert.ThrowsAsync<InvalidObjectRequestException>(() => store.PutAsync("x", TestBytes.Random(size), digest: StoreUnderTest.HashOf([1, 2, 3])));

        Assert.Equal(0, store.Metadata.Appends);
        Assert.Empty(store.Nodes.StoredFiles());
        Assert.Empty(store.Nodes.TempFiles());
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(Large)]
    public async Task Bytes_already_stored_are_not_sent_again_when_the_client_gives_their_digest(int size)
    {
        var store = new StoreUnderTest();
        var data = TestBytes.Random(size);
        await store.PutAsync("first", data);
        var uploads = store.Nodes.All.Sum(n => n.UploadsStarted);

        var second = await store.PutAsync("second", data, digest: StoreUnderTest.HashOf(data));

        Assert.Equal(uploads, store.Nodes.All.Sum(n => n.UploadsStarted));
        Assert.Equal(StoreUnderTest.HashOf(data).Hex, second.Hash);
        Assert.Equal(data, await store.GetAsync("second"));
    }

    [Fact]
    public async Task With_content_records_dedup_is_one_metadata_read_and_trusts_the_record()
    {
        var store = new StoreUnderTest(tracksContent: true);
        var data = TestBytes.Random(Large);
        var first = await store.PutAsync("first", data);
        // A lost copy does not make the bytes unknown: the repair scan restores it, a PUT only points at them.
        store.Holders(first)[0].Objects.Clear();
        var stored = store.Nodes.StoredFiles().Count();
        var uploads = store.Nodes.All.Sum(n => n.UploadsStarted);
        var locates = store.Nodes.Locates;
        var lookups = store.Metadata.ContentLookups;

        var second = await store.PutAsync("second", data, digest: StoreUnderTest.HashOf(data));
        Assert.Equal(uploads, store.Nodes.All.Sum(n => n.UploadsStarted));
        // Without a digest the body is read and hashed first (a large one streams to temp uploads, which are dropped).
        var third = await store.PutAsync("third", data);

        Assert.Equal(lookups + 2, store.Metadata.ContentLookups);
        Assert.Equal(locates, store.Nodes.Locates);
        Assert.Equal(stored, store.Nodes.StoredFiles().Count());
        Assert.Empty(store.Nodes.TempFiles());
        Assert.Equal(first.Hash, second.Hash);
        Assert.Equal(first.Hash, third.Hash);
        Assert.Equal(data, await store.GetAsync("third"));
    }

    [Fact]
    public async Task With_content_records_a_small_put_stores_first_and_asks_about_the_content_only_in_its_commit()
    {
        var store = new StoreUnderTest(tracksContent: true);
        var data = TestBytes.Random(4096);

        var first = await store.PutAsync("first", data);
        var stores = store.Nodes.All.Sum(n => n.UploadsStarted);
        // The same bytes again, even with their digest: sent again (a node holding them writes nothing), pointed at by the commit.
        var second = await store.PutAsync("second", data, digest: StoreUnderTest.HashOf(data));

        Assert.Equal(0, store.Metadata.ContentLookups);
        Assert.Equal(2 * stores, store.Nodes.All.Sum(n => n.UploadsStarted));
        Assert.Equal(3, store.Nodes.StoredFiles().Count());
        Assert.Equal(first.Hash, second.Hash);
        var record = Assert.Single(await store.Metadata.ScanContentAsync(CancellationToken.None).ToListAsync());
        Assert.Equal((2, ContentState.Live), (record.References, record.State));
        Assert.Equal(data, await store.GetAsync("second"));
    }

    [Fact]
    public async Task A_copy_lost_behind_its_nodes_back_is_rewritten_by_the_next_put_of_the_same_bytes()
    {
        var store = new StoreUnderTest(tracksContent: true);
        var data = TestBytes.Random(4096);
        var version = await store.PutAsync("first", data);
        var holders = store.Holders(version).Select(n => n.Address).ToHashSet();
        var lost = store.Holders(version)[0];
        lost.Objects.Clear();

        await store.PutAsync("second", data);

        Assert.Equal(holders, store.Holders(version).Select(n => n.Address).ToHashSet());
        Assert.Equal(3, store.Nodes.StoredFiles().Count());
    }

    [Fact]
    public async Task A_small_put_of_content_collected_before_looks_it_up_and_stores_it_again()
    {
        var store = new StoreUnderTest(tracksContent: true);
        var data = TestBytes.Random(4096);
        await store.PutAsync("old", data);
        await store.Metadata.PurgeAsync(StoreUnderTest.Name("old"), CancellationToken.None);
        // The collector deleted the bytes — when, a PUT that stored without looking cannot tell.
        store.Metadata.MarkCollected(StoreUnderTest.HashOf(data).Hex);
        foreach (var node in store.Nodes.All)
        {
            node.Objects.Clear();
        }

        var stores = store.Nodes.All.Sum(n => n.UploadsStarted);

        var version = await store.PutAsync("new", data);

        Assert.Equal(1, store.Metadata.ContentLookups);
        Assert.Equal(1, version.Version);
        // The first round's copies may be what the collector deleted: a second round stored three more.
        Assert.Equal(stores + 6, store.Nodes.All.Sum(n => n.UploadsStarted));
        var record = Assert.Single(await store.Metadata.ScanContentAsync(CancellationToken.None).ToListAsync());
        Assert.Equal((1, ContentState.Live, 1), (record.References, record.State, record.Generation));
        Assert.Equal(data, await store.GetAsync("new"));
    }

    [Fact]
    public async Task Too_few_live_nodes_is_unavailable_before_any_body_byte_is_read()
    {
        var store = new StoreUnderTest(nodes: 2);
        var body = new MemoryStream(TestBytes.Random(4096));

        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.PutAsync("x", body, 4096));

        Assert.Equal(0, body.Position);
    }

    [Fact]
    public async Task A_delete_writes_a_marker_and_the_object_is_gone_but_its_old_version_readable()
    {
        var store = new StoreUnderTest();
        var data = TestBytes.Random(100);
        await store.PutAsync("d", data);

        var marker = await store.Writer.DeleteAsync(StoreUnderTest.Name("d"), CancellationToken.None);

        Assert.True(marker.Deleted);
        Assert.Equal(2, marker.Version);
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => store.GetAsync("d"));
        var old = await store.Reader.GetVersionAsync(StoreUnderTest.Name("d"), 1, CancellationToken.None);
        Assert.Equal(StoreUnderTest.HashOf(data).Hex, old.Hash);
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => store.Writer.DeleteAsync(StoreUnderTest.Name("d"), CancellationToken.None));
    }

    [Fact]
    public async Task A_node_failing_to_commit_a_streamed_upload_fails_the_put_with_no_version()
    {
        var store = new StoreUnderTest();
        var node = store.Nodes.All.First();
        var data = TestBytes.Random(4 * Large);

        // The node takes the upload, then is gone by commit time.
        var put = store.PutAsync("c", new CommitTimeFailure(data, () => node.Dead = true), data.Length);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => put);
        Assert.Equal(0, store.Metadata.Appends);
        Assert.Empty(store.Nodes.TempFiles());
    }

    /// <summary>A body that runs an action once it has been read to its end (before the commit).</summary>
    private sealed class CommitTimeFailure(byte[] data, Action atEnd) : MemoryStream(data, writable: false)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer, cancellationToken);
            if (Position == Length)
            {
                atEnd();
            }

            return read;
        }
    }
}
