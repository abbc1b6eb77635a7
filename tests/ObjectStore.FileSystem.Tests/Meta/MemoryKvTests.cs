using Microsoft.Extensions.Time.Testing;
using ObjectStore.FileSystem.Meta.Kv;

namespace ObjectStore.FileSystem.Tests.Meta;

/// <summary>The in-memory engine keeps etcd's revision, transaction and lease rules (the namespace's correctness rests on them).</summary>
public sealed class MemoryKvTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static byte[] K(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task A_transaction_applies_all_writes_at_one_new_revision_only_if_every_compare_holds()
    {
        var kv = new MemoryKv(TimeProvider.System);
        var put = new KvTransaction { Compares = { new KvCompare(K("a"), KvCompareTarget.CreateRevision, 0) }, Writes = { new KvWrite(K("a"), K("1")), new KvWrite(K("b"), K("2")) } };
        var first = await kv.CommitAsync(put, None);
        Assert.True(first.Succeeded);
        var a = (await kv.GetAsync(K("a"), None))!;
        Assert.Equal((first.Revision, first.Revision), (a.CreateRevision, a.ModRevision));
        Assert.Equal(first.Revision, (await kv.GetAsync(K("b"), None))!.ModRevision);

        var again = await kv.CommitAsync(new KvTransaction { Compares = { new KvCompare(K("a"), KvCompareTarget.CreateRevision, 0) }, Writes = { new KvWrite(K("c"), K("3")) }, Witness = K("a") }, None);
        Assert.False(again.Succeeded);
        Assert.Equal(K("1"), again.Witness!.Value);
        Assert.Null(await kv.GetAsync(K("c"), None));

        var update = await kv.CommitAsync(new KvTransaction { Compares = { new KvCompare(K("a"), KvCompareTarget.ModRevision, a.ModRevision) }, Writes = { new KvWrite(K("a"), K("9")), new KvWrite(K("b"), null) } }, None);
        Assert.True(update.Succeeded);
        var updated = (await kv.GetAsync(K("a"), None))!;
        Assert.Equal((a.CreateRevision, update.Revision), (updated.CreateRevision, updated.ModRevision));
        Assert.Null(await kv.GetAsync(K("b"), None));
        Assert.False((await kv.CommitAsync(new KvTransaction { Compares = { new KvCompare(K("a"), KvCompareTarget.ModRevision, a.ModRevision) }, Writes = { new KvWrite(K("a"), K("x")) } }, None)).Succeeded);
    }

    [Fact]
    public async Task Ranges_are_in_byte_order_with_a_limit_and_limits_are_enforced_like_etcd()
    {
        var kv = new MemoryKv(TimeProvider.System);
        var txn = new KvTransaction();
        foreach (var k in new[] { "p/b", "p/a", "p/c", "q/a" }) txn.Writes.Add(new KvWrite(K(k), K(k)));
        await kv.CommitAsync(txn, None);
        var page = await kv.RangeAsync(K("p/"), K("p0"), 2, None);
        Assert.Equal(["p/a", "p/b"], page.Entries.Select(e => System.Text.Encoding.UTF8.GetString(e.Key)));
        Assert.True(page.More);
        Assert.False((await kv.RangeAsync(K("p/b\0"), K("p0"), 2, None)).More);

        var tooMany = new KvTransaction();
        for (var i = 0; i < 129; i++) tooMany.Writes.Add(new KvWrite(K($"k{i}"), K("v")));
        await Assert.ThrowsAsync<KvRequestException>(() => kv.CommitAsync(tooMany, None));
        await Assert.ThrowsAsync<KvRequestException>(() => kv.CommitAsync(new KvTransaction { Writes = { new KvWrite(K("d"), K("1")), new KvWrite(K("d"), K("2")) } }, None));
        await Assert.ThrowsAsync<KvRequestException>(() => kv.CommitAsync(new KvTransaction { Writes = { new KvWrite(K("big"), new byte[2 << 20]) } }, None));
    }

    [Fact]
    public async Task Keys_on_a_lease_vanish_when_it_expires_unless_kept_alive()
    {
        var time = new FakeTimeProvider();
        var kv = new MemoryKv(time);
        var lease = await kv.GrantLeaseAsync(TimeSpan.FromSeconds(10), None);
        await kv.CommitAsync(new KvTransaction { Writes = { new KvWrite(K("s"), K("1"), lease) } }, None);
        time.Advance(TimeSpan.FromSeconds(8));
        Assert.True(await kv.KeepLeaseAliveAsync(lease, None));
        time.Advance(TimeSpan.FromSeconds(8));
        Assert.NotNull(await kv.GetAsync(K("s"), None));
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Null(await kv.GetAsync(K("s"), None));
        Assert.False(await kv.KeepLeaseAliveAsync(lease, None));
        await Assert.ThrowsAsync<KvRequestException>(() => kv.CommitAsync(new KvTransaction { Writes = { new KvWrite(K("t"), K("1"), lease) } }, None));
    }
}
