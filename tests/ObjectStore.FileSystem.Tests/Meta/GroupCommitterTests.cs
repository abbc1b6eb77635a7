using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using ObjectStore.FileSystem.Meta;
using ObjectStore.FileSystem.Meta.Kv;
using static ObjectStore.FileSystem.Tests.Meta.MetaTestSupport;

namespace ObjectStore.FileSystem.Tests.Meta;

/// <summary>
/// Grouping of concurrent commits (<see cref="GroupCommitter"/>) and reads (<see cref="GroupReader"/>), on the in-memory engine and on the real cluster. A
/// <see cref="HeldKv"/> holds the first commit in flight so that the next ones gather into one group: explicit phase
/// barriers, no sleeps.
/// </summary>
public abstract class GroupCommitterTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string _prefix = "group/" + Guid.NewGuid().ToString("N")[..8] + "/";

    protected abstract ITransactionalKv Kv { get; }

    private byte[] K(string s) => Encoding.UTF8.GetBytes(_prefix + s);

    private KvTransaction CreateIfAbsent(string key, int writes = 1)
    {
        var transaction = new KvTransaction { Witness = K(key) };
        transaction.Compares.Add(new KvCompare(K(key), KvCompareTarget.CreateRevision, 0));
        transaction.Writes.Add(new KvWrite(K(key), [1]));
        for (var i = 1; i < writes; i++) transaction.Writes.Add(new KvWrite(K($"{key}.{i}"), [2]));
        return transaction;
    }

    /// <summary>Starts a first commit and waits until the store holds it in flight; the commits queued next gather behind it.</summary>
    private static async Task<(GroupCommitter Committer, Task<KvCommitResult> First)> HoldFirstAsync(HeldKv held, KvTransaction first, int maxMembers = 64)
    {
        var committer = new GroupCommitter(held, maxMembers, TimeSpan.FromSeconds(30), NullLogger.Instance);
        var commit = committer.CommitAsync(first, None);
        await held.InFlight.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return (committer, commit);
    }

    [Fact]
    public async Task Commits_queued_while_one_is_in_flight_go_to_the_store_as_one_transaction()
    {
        var held = new HeldKv(Kv);
        var (committer, first) = await HoldFirstAsync(held, CreateIfAbsent("first"));
        var queued = Enumerable.Range(0, 10).Select(i => committer.CommitAsync(CreateIfAbsent($"k{i}"), None)).ToList();
        held.Release();

        Assert.True((await first).Succeeded);
        var results = await Task.WhenAll(queued);
        Assert.All(results, r => Assert.True(r.Succeeded));
        Assert.Single(results.Select(r => r.Revision).Distinct());
        Assert.Equal([1, 10], held.Calls.Select(c => c.Writes.Count));
        Assert.Equal((1L, 10L, 0L), (committer.Groups, committer.GroupedCommits, committer.FellBack));
        foreach (var i in Enumerable.Range(0, 10)) Assert.NotNull(await Kv.GetAsync(K($"k{i}"), None));
        await committer.DisposeAsync();
    }

    [Fact]
    public async Task A_group_whose_compare_fails_commits_each_member_alone_and_only_the_loser_is_told_it_failed()
    {
        Assert.True((await Kv.CommitAsync(CreateIfAbsent("taken"), None)).Succeeded);
        var held = new HeldKv(Kv);
        var (committer, first) = await HoldFirstAsync(held, CreateIfAbsent("first"));
        var winner = committer.CommitAsync(CreateIfAbsent("free"), None);
        var loser = committer.CommitAsync(CreateIfAbsent("taken"), None);
        var other = committer.CommitAsync(CreateIfAbsent("free2"), None);
        held.Release();

        await first;
        Assert.True((await winner).Succeeded);
        Assert.True((await other).Succeeded);
        var lost = await loser;
        Assert.False(lost.Succeeded);
        Assert.Equal([1], lost.Witness!.Value); // its own witness, as alone
        Assert.Equal(1L, committer.FellBack);
        Assert.Equal(1 + 1 + 3, held.Calls.Count); // the first, the group, then each member alone
        await committer.DisposeAsync();
    }

    [Fact]
    public async Task Commits_that_write_the_same_key_or_compare_a_key_another_writes_are_never_in_one_group()
    {
        var held = new HeldKv(Kv);
        var (committer, first) = await HoldFirstAsync(held, CreateIfAbsent("first"));
        var a = committer.CommitAsync(new KvTransaction { Writes = { new KvWrite(K("shared"), [1]) } }, None);
        var b = committer.CommitAsync(new KvTransaction { Writes = { new KvWrite(K("shared"), [2]) } }, None);
        var reader = new KvTransaction { Writes = { new KvWrite(K("elsewhere"), [3]) } };
        reader.Compares.Add(new KvCompare(K("shared"), KvCompareTarget.CreateRevision, 0));
        var c = committer.CommitAsync(reader, None);
        var ranged = new KvTransaction { Writes = { new KvWrite(K("x"), [4]) } };
        ranged.Compares.Add(new KvCompare(K("shared"), KvCompareTarget.Version, 0, K("sharee")));
        var d = committer.CommitAsync(ranged, None);
        held.Release();

        await first;
        Assert.True((await a).Succeeded);
        Assert.True((await b).Succeeded); // after a, in a group of its own: last writer wins as if alone
        Assert.False((await c).Succeeded); // compared "absent" against the state after a: the same answer as alone
        Assert.False((await d).Succeeded);
        Assert.Equal([2], (await Kv.GetAsync(K("shared"), None))!.Value);
        foreach (var call in held.Calls)
            Assert.Equal(call.Writes.Count, call.Writes.Select(w => Convert.ToBase64String(w.Key)).Distinct().Count());
        Assert.DoesNotContain(held.Calls, call => call.Writes.Any(w => w.Key.AsSpan().SequenceEqual(K("shared"))) && call.Compares.Any(cmp => cmp.Key.AsSpan().SequenceEqual(K("shared"))));
        await committer.DisposeAsync();
    }

    [Fact]
    public async Task A_group_stays_within_the_operation_limit_and_the_member_bound()
    {
        var held = new HeldKv(Kv);
        var (committer, first) = await HoldFirstAsync(held, CreateIfAbsent("first"), maxMembers: 8);
        // 3 writes and 1 compare each: 128 operations hold 42 of them; 8 members at most here.
        var queued = Enumerable.Range(0, 60).Select(i => committer.CommitAsync(CreateIfAbsent($"m{i}", writes: 3), None)).ToList();
        held.Release();
        await first;
        Assert.All(await Task.WhenAll(queued), r => Assert.True(r.Succeeded));
        Assert.All(held.Calls, c => Assert.True(c.Writes.Count <= 8 * 3 && c.Compares.Count <= Kv.MaxOperationsPerTransaction));
        Assert.True(held.Calls.Count >= 1 + 60 / 8);
        await committer.DisposeAsync();

        var wide = new HeldKv(Kv);
        var (unbounded, head) = await HoldFirstAsync(wide, CreateIfAbsent("head"));
        var many = Enumerable.Range(0, 100).Select(i => unbounded.CommitAsync(CreateIfAbsent($"w{i}", writes: 3), None)).ToList();
        wide.Release();
        await head;
        Assert.All(await Task.WhenAll(many), r => Assert.True(r.Succeeded));
        Assert.All(wide.Calls, c => Assert.True(c.Writes.Count <= Kv.MaxOperationsPerTransaction && c.Compares.Count <= Kv.MaxOperationsPerTransaction));
        Assert.Contains(wide.Calls, c => c.Writes.Count > 64); // full groups, not one commit per call
        await unbounded.DisposeAsync();
    }

    [Fact]
    public async Task Concurrent_creates_in_one_directory_and_in_many_all_land_and_share_transactions()
    {
        var options = new FileSystemMetaOptions { Volume = "g" + Guid.NewGuid().ToString("N")[..12], OperationTimeout = TimeSpan.FromSeconds(60) };
        var meta = new KvMeta(Kv, options, TimeProvider.System, NullLogger<KvMeta>.Instance);
        await meta.StartSessionAsync(None);
        try
        {
            var same = await meta.Mkdir(Root, "same");
            var dirs = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => meta.Mkdir(Root, $"d{i}")));
            // The creates a kernel sends: a lookup that misses, then the create.
            async Task Create(ulong parent, string name)
            {
                await ThrowsErrno(Errno.ENOENT, () => meta.LookupAsync(parent, name, None));
                await meta.CreateFile(parent, name);
            }
            await Task.WhenAll(Enumerable.Range(0, 16).Select(async w =>
            {
                for (var i = 0; i < 20; i++)
                {
                    await Create(same.Inode, $"w{w}-{i}");
                    await Create(dirs[w].Inode, $"f{i}");
                }
            }));
            // Racing creates of one name: exactly one wins, whether or not they met in a group.
            var racing = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
            {
                try { await meta.CreateFile(same.Inode, "contested"); return true; }
                catch (FileSystemException e) when (e.Errno == Errno.EEXIST) { return false; }
            }));

            Assert.Single(racing, won => won);
            Assert.Equal(16 * 20 + 1, (await meta.ListAll(same.Inode)).Count);
            foreach (var dir in dirs) Assert.Equal(20, (await meta.ListAll(dir.Inode)).Count);
            Assert.Equal(2u + 17, (await meta.GetAttributesAsync(Root, None)).LinkCount);
            // A real cluster answers slowly enough that commits always meet (the in-memory one answers at once).
            if (Kv is EtcdKv) Assert.True(meta.Committer.GroupedCommits > meta.Committer.Groups, $"{meta.Committer.Groups} groups");
        }
        finally
        {
            await meta.CloseSessionAsync(None);
            await meta.DisposeAsync();
        }
    }

    [Fact]
    public async Task Reads_queued_while_one_is_in_flight_share_a_round_trip_and_each_gets_its_own_keys()
    {
        foreach (var i in Enumerable.Range(0, 5)) Assert.True((await Kv.CommitAsync(CreateIfAbsent($"r{i}"), None)).Succeeded);
        var held = new HeldKv(Kv, holdReads: true);
        var reader = new GroupReader(held, enabled: true, TimeSpan.FromSeconds(30));
        var first = reader.GetManyAsync([K("r0")], None);
        await held.InFlight.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var queued = Enumerable.Range(1, 4).Select(i => reader.GetManyAsync([K($"r{i}"), K($"absent{i}"), K("r0")], None)).ToList();
        held.Release();

        Assert.NotNull((await first)[0]);
        foreach (var (read, i) in (await Task.WhenAll(queued)).Select((r, i) => (r, i + 1)))
        {
            Assert.Equal(3, read.Count);
            Assert.Equal(K($"r{i}"), read[0]!.Key);
            Assert.Null(read[1]);
            Assert.Equal(K("r0"), read[2]!.Key);
        }
        Assert.Equal([1, 12], held.Reads);
        Assert.Equal((1L, 4L), (reader.Groups, reader.GroupedReads));
        await reader.DisposeAsync();
    }

    /// <summary>Passes every call through; holds the first commit until <see cref="Release"/> and records each commit sent.</summary>
    private sealed class HeldKv(ITransactionalKv inner, bool holdReads = false) : ITransactionalKv
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _commits;

        public TaskCompletionSource InFlight { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<KvTransaction> Calls { get; } = [];

        public int MaxOperationsPerTransaction => inner.MaxOperationsPerTransaction;

        public void Release() => _gate.TrySetResult();

        public async Task<KvCommitResult> CommitAsync(KvTransaction transaction, CancellationToken ct)
        {
            lock (Calls) Calls.Add(transaction);
            if (Interlocked.Increment(ref _commits) == 1)
            {
                InFlight.TrySetResult();
                await _gate.Task.WaitAsync(ct);
            }
            return await inner.CommitAsync(transaction, ct);
        }

        public Task<KvEntry?> GetAsync(byte[] key, CancellationToken ct) => inner.GetAsync(key, ct);

        public List<int> Reads { get; } = [];

        public async Task<IReadOnlyList<KvEntry?>> GetManyAsync(IReadOnlyList<byte[]> keys, CancellationToken ct)
        {
            if (!holdReads) return await inner.GetManyAsync(keys, ct);
            lock (Reads) Reads.Add(keys.Count);
            if (Interlocked.Increment(ref _commits) == 1)
            {
                InFlight.TrySetResult();
                await _gate.Task.WaitAsync(ct);
            }
            return await inner.GetManyAsync(keys, ct);
        }

        public Task<KvPage> RangeAsync(byte[] from, byte[] to, int limit, CancellationToken ct) => inner.RangeAsync(from, to, limit, ct);

        public Task<KvChanges> ChangedSinceAsync(byte[] from, byte[] to, long afterRevision, int limit, CancellationToken ct) =>
            inner.ChangedSinceAsync(from, to, afterRevision, limit, ct);

        public Task<long> GrantLeaseAsync(TimeSpan timeToLive, CancellationToken ct) => inner.GrantLeaseAsync(timeToLive, ct);

        public Task<bool> KeepLeaseAliveAsync(long lease, CancellationToken ct) => inner.KeepLeaseAliveAsync(lease, ct);

        public Task RevokeLeaseAsync(long lease, CancellationToken ct) => inner.RevokeLeaseAsync(lease, ct);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>Grouping on the in-memory engine.</summary>
public sealed class MemoryGroupCommitterTests : GroupCommitterTests
{
    protected override ITransactionalKv Kv { get; } = new MemoryKv(TimeProvider.System);
}

/// <summary>Grouping on the real 3-member cluster.</summary>
[Trait("Category", "Integration")]
[Collection(EtcdCollection.Name)]
public sealed class EtcdGroupCommitterTests(EtcdClusterFixture etcd) : GroupCommitterTests
{
    protected override ITransactionalKv Kv => etcd.Kv;
}
