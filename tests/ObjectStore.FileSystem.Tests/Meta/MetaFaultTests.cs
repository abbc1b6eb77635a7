using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ObjectStore.FileSystem.Meta;
using ObjectStore.FileSystem.Meta.Kv;
using static ObjectStore.FileSystem.Tests.Meta.MetaTestSupport;

namespace ObjectStore.FileSystem.Tests.Meta;

/// <summary>Faults injected into the in-memory engine: an unreachable store, answers lost after a commit, leases expiring by the clock.</summary>
public sealed class MetaFaultTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static FileSystemMetaOptions Options() => new()
    {
        Volume = "v",
        OperationTimeout = TimeSpan.FromSeconds(10),
        SessionTtl = TimeSpan.FromSeconds(30),
        DeletedSliceGracePeriod = TimeSpan.Zero,
    };

    [Fact]
    public async Task An_unreachable_store_gives_EIO_after_the_bound_and_the_next_call_works_once_it_is_back()
    {
        var kv = new MemoryKv(TimeProvider.System);
        var options = Options();
        var meta = new KvMeta(kv, options, TimeProvider.System, NullLogger<KvMeta>.Instance);
        await meta.StartSessionAsync(None);
        options.OperationTimeout = TimeSpan.FromMilliseconds(300);
        kv.Unavailable = true;
        var e = await ThrowsErrno(Errno.EIO, () => meta.CreateFile(Root, "f"));
        Assert.Contains("did not answer", e.Message);
        Assert.IsType<KvUnavailableException>(e.InnerException);
        kv.Unavailable = false;
        options.OperationTimeout = TimeSpan.FromSeconds(10);
        var file = await meta.CreateFile(Root, "f");
        Assert.Equal(file.Inode, (await meta.LookupAsync(Root, "f", None)).Inode);
        await meta.CloseSessionAsync(None);
    }

    [Fact]
    public async Task A_commit_whose_answer_was_lost_is_recognised_and_not_applied_twice()
    {
        var kv = new LostAnswerKv(new MemoryKv(TimeProvider.System));
        var meta = new KvMeta(kv, Options(), TimeProvider.System, NullLogger<KvMeta>.Instance);
        await meta.StartSessionAsync(None);
        var slice = new Slice(await meta.NewSliceIdAsync(None), 10, 0, 10);
        var file = await meta.CreateFile(Root, "f");

        kv.LoseNextAnswers = 1;
        var dir = await meta.Mkdir(Root, "d"); // applied, answered as a failed compare: must not turn into EEXIST
        kv.LoseNextAnswers = 1;
        await meta.WriteAsync(file.Inode, 0, 0, slice, 1, None); // must not append the slice twice
        kv.LoseNextAnswers = 1;
        await meta.RenameAsync(Root, "f", dir.Inode, "g", RenameFlags.None, None); // must not turn into ENOENT

        Assert.Equal([new ChunkSlice(0, slice)], await meta.ReadChunkAsync(file.Inode, 0, None));
        Assert.Equal(3u, (await meta.GetAttributesAsync(Root, None)).LinkCount);
        Assert.Equal(file.Inode, (await meta.LookupAsync(dir.Inode, "g", None)).Inode);
        kv.LoseNextAnswers = 1;
        await meta.UnlinkAsync(dir.Inode, "g", None); // a small file deleted whole in one transaction: must not turn into ENOENT
        await ThrowsErrno(Errno.ENOENT, () => meta.GetAttributesAsync(file.Inode, None));
        Assert.Equal(4, kv.LostAnswers);
        await meta.CloseSessionAsync(None);
    }

    [Fact]
    public async Task A_session_whose_lease_expired_by_the_clock_is_cleaned_by_the_next_one()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var kv = new MemoryKv(time);
        var doomed = new KvMeta(kv, Options(), time, NullLogger<KvMeta>.Instance);
        await doomed.StartSessionAsync(None);
        var file = await doomed.CreateFile(Root, "f");
        await doomed.OpenAsync(file.Inode, None);
        await doomed.UnlinkAsync(Root, "f", None);
        await doomed.DisposeAsync(); // killed: no keep-alive any more

        var survivor = new KvMeta(kv, Options(), time, NullLogger<KvMeta>.Instance);
        await survivor.StartSessionAsync(None);
        Assert.Equal(0u, (await survivor.GetAttributesAsync(file.Inode, None)).LinkCount); // its lease still runs

        time.Advance(TimeSpan.FromSeconds(31));
        var next = new KvMeta(kv, Options(), time, NullLogger<KvMeta>.Instance);
        await next.StartSessionAsync(None);
        await ThrowsErrno(Errno.ENOENT, () => next.GetAttributesAsync(file.Inode, None));
        await next.CloseSessionAsync(None);
        await survivor.DisposeAsync();
    }

    [Fact]
    public async Task A_live_session_keeps_its_lease_alive()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var kv = new MemoryKv(time);
        var meta = new KvMeta(kv, Options(), time, NullLogger<KvMeta>.Instance);
        await meta.StartSessionAsync(None);
        var session = meta.SessionId;
        for (var i = 0; i < 10; i++)
        {
            time.Advance(TimeSpan.FromSeconds(10)); // a third of the TTL: the keep-alive loop's period
            // A loop that had not armed its next wait yet when the clock moved waits a whole period from then (on a
            // loaded machine it may still be returning from the last keep-alive): nudge the clock until it renews.
            // At most 10 s more per renewal, so a renewal never comes later than 20 s after the last: the lease holds.
            for (var nudge = 0; !await RenewedAsync(kv, i + 1); nudge++)
            {
                Assert.True(nudge < 10, $"keep-alive {i + 1} never came");
                time.Advance(TimeSpan.FromSeconds(1));
            }
        }
        Assert.True(await kv.KeepLeaseAliveAsync(session, None)); // 100 s and more later the 30 s lease still lives
        await meta.CloseSessionAsync(None);
    }

    [Fact]
    public async Task Creates_racing_in_one_directory_at_one_clock_tick_all_land()
    {
        // A frozen clock gives every racing create the same directory times: only the write stamp tells a
        // transaction that lost the race from one whose answer was lost.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var kv = new YieldingKv(new MemoryKv(time));
        var meta = new KvMeta(kv, Options(), time, NullLogger<KvMeta>.Instance);
        await meta.StartSessionAsync(None);
        var names = Enumerable.Range(0, 40).Select(i => $"f{i:D2}").ToList();
        await Task.WhenAll(names.Select(n => meta.CreateFile(Root, n)));
        Assert.Equal(names, (await meta.ListAll(Root)).Select(e => e.Name));
        await meta.CloseSessionAsync(None);
    }

    private static async Task<bool> RenewedAsync(MemoryKv kv, int keepAlives)
    {
        for (var waited = 0; waited < 400 && kv.KeepAlives < keepAlives; waited++)
        {
            await Task.Delay(5);
        }

        return kv.KeepAlives >= keepAlives;
    }

    /// <summary>Lets other work run between a transaction's reads and its commit, so that concurrent transactions interleave.</summary>
    private sealed class YieldingKv(MemoryKv inner) : ITransactionalKv
    {
        public int MaxOperationsPerTransaction => inner.MaxOperationsPerTransaction;

        public async Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct)
        {
            await Task.Yield();
            return await inner.GetAsync(key, ct);
        }

        public async Task<IReadOnlyList<KvEntry?>> GetManyAsync(IReadOnlyList<byte[]> keys, CancellationToken ct)
        {
            await Task.Yield();
            return await inner.GetManyAsync(keys, ct);
        }

        public Task<KvPage> RangeAsync(byte[] from, byte[] to, int limit, CancellationToken ct) => inner.RangeAsync(from, to, limit, ct);

        public Task<KvChanges> ChangedSinceAsync(byte[] from, byte[] to, long afterRevision, int limit, CancellationToken ct) =>
            inner.ChangedSinceAsync(from, to, afterRevision, limit, ct);

        public async Task<KvCommitResult> CommitAsync(KvTransaction transaction, CancellationToken ct)
        {
            await Task.Yield();
            return await inner.CommitAsync(transaction, ct);
        }

        public Task<long> GrantLeaseAsync(TimeSpan timeToLive, CancellationToken ct) => inner.GrantLeaseAsync(timeToLive, ct);
        public Task<bool> KeepLeaseAliveAsync(long lease, CancellationToken ct) => inner.KeepLeaseAliveAsync(lease, ct);
        public Task RevokeLeaseAsync(long lease, CancellationToken ct) => inner.RevokeLeaseAsync(lease, ct);
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    /// <summary>Applies commits but answers the next ones as failed compares, as etcd does to a client that retried an RPC which had landed.</summary>
    private sealed class LostAnswerKv(MemoryKv inner) : ITransactionalKv
    {
        public int LoseNextAnswers { get; set; }
        public int LostAnswers { get; private set; }
        public int MaxOperationsPerTransaction => inner.MaxOperationsPerTransaction;
        public Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct) => inner.GetAsync(key, ct);
        public Task<IReadOnlyList<KvEntry?>> GetManyAsync(IReadOnlyList<byte[]> keys, CancellationToken ct) => inner.GetManyAsync(keys, ct);
        public Task<KvPage> RangeAsync(byte[] from, byte[] to, int limit, CancellationToken ct) => inner.RangeAsync(from, to, limit, ct);

        public Task<KvChanges> ChangedSinceAsync(byte[] from, byte[] to, long afterRevision, int limit, CancellationToken ct) =>
            inner.ChangedSinceAsync(from, to, afterRevision, limit, ct);

        public async Task<KvCommitResult> CommitAsync(KvTransaction transaction, CancellationToken ct)
        {
            var result = await inner.CommitAsync(transaction, ct);
            if (!result.Succeeded || LoseNextAnswers == 0) return result;
            LoseNextAnswers--;
            LostAnswers++;
            return new KvCommitResult(false, result.Revision, transaction.Witness is null ? null : await inner.GetAsync(transaction.Witness, ct));
        }

        public Task<long> GrantLeaseAsync(TimeSpan timeToLive, CancellationToken ct) => inner.GrantLeaseAsync(timeToLive, ct);
        public Task<bool> KeepLeaseAliveAsync(long lease, CancellationToken ct) => inner.KeepLeaseAliveAsync(lease, ct);
        public Task RevokeLeaseAsync(long lease, CancellationToken ct) => inner.RevokeLeaseAsync(lease, ct);
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
