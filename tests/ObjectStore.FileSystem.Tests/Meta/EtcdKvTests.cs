using System.Text;
using ObjectStore.FileSystem.Meta.Kv;

namespace ObjectStore.FileSystem.Tests.Meta;

/// <summary>The etcd engine on the real cluster: the compare kinds the namespace relies on, the lost-answer witness, paging.</summary>
[Trait("Category", "Integration")]
[Collection(EtcdCollection.Name)]
public sealed class EtcdKvTests(EtcdClusterFixture etcd)
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string _prefix = "kvtest/" + Guid.NewGuid().ToString("N")[..8] + "/";

    private byte[] K(string s) => Encoding.UTF8.GetBytes(_prefix + s);

    [Fact]
    public async Task Revision_compares_and_the_witness_behave_as_the_namespace_expects()
    {
        var kv = etcd.Kv;
        var created = await kv.CommitAsync(new KvTransaction { Compares = { new KvCompare(K("a"), KvCompareTarget.CreateRevision, 0) }, Writes = { new KvWrite(K("a"), [1]) } }, None);
        Assert.True(created.Succeeded);
        var a = (await kv.GetAsync(K("a"), None))!;
        Assert.Equal(created.Revision, a.ModRevision);

        var lost = await kv.CommitAsync(new KvTransaction { Compares = { new KvCompare(K("a"), KvCompareTarget.CreateRevision, 0) }, Writes = { new KvWrite(K("b"), [2]) }, Witness = K("a") }, None);
        Assert.False(lost.Succeeded);
        Assert.Equal([1], lost.Witness!.Value);
        Assert.Null(await kv.GetAsync(K("b"), None));

        Assert.True((await kv.CommitAsync(new KvTransaction { Compares = { new KvCompare(K("a"), KvCompareTarget.ModRevision, a.ModRevision) }, Writes = { new KvWrite(K("a"), [3]) } }, None)).Succeeded);
        Assert.False((await kv.CommitAsync(new KvTransaction { Compares = { new KvCompare(K("a"), KvCompareTarget.ModRevision, a.ModRevision) }, Writes = { new KvWrite(K("a"), [4]) } }, None)).Succeeded);
    }

    [Fact]
    public async Task A_range_compare_tells_an_empty_range_from_one_with_a_key()
    {
        var kv = etcd.Kv;
        var emptyDir = new KvCompare(K("dir/"), KvCompareTarget.Version, 0, K("dir0"));
        Assert.True((await kv.CommitAsync(new KvTransaction { Compares = { emptyDir }, Writes = { new KvWrite(K("x"), [1]) } }, None)).Succeeded);
        await kv.CommitAsync(new KvTransaction { Writes = { new KvWrite(K("dir/child"), [1]) } }, None);
        Assert.False((await kv.CommitAsync(new KvTransaction { Compares = { emptyDir }, Writes = { new KvWrite(K("y"), [1]) } }, None)).Succeeded);
        Assert.Null(await kv.GetAsync(K("y"), None));
    }

    [Fact]
    public async Task Ranges_page_in_key_order_and_many_keys_are_read_in_one_call()
    {
        var kv = etcd.Kv;
        var txn = new KvTransaction();
        for (var i = 0; i < 300; i++) txn.Writes.Add(new KvWrite(K($"p/{i:D3}"), [(byte)i]));
        await Assert.ThrowsAsync<KvRequestException>(() => kv.CommitAsync(txn, None)); // more than 128 writes: etcd refuses
        foreach (var batch in txn.Writes.Chunk(100))
        {
            var part = new KvTransaction();
            part.Writes.AddRange(batch);
            await kv.CommitAsync(part, None);
        }

        var first = await kv.RangeAsync(K("p/"), K("p0"), 250, None);
        Assert.True(first.More);
        var rest = await kv.RangeAsync([.. first.Entries[^1].Key, 0], K("p0"), 250, None);
        Assert.False(rest.More);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => _prefix + $"p/{i:D3}"), first.Entries.Concat(rest.Entries).Select(e => Encoding.UTF8.GetString(e.Key)));

        var many = await kv.GetManyAsync(Enumerable.Range(0, 300).Select(i => K($"p/{i:D3}")).Append(K("p/missing")).ToArray(), None);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (byte)i), many.Take(300).Select(e => e!.Value[0]));
        Assert.Null(many[300]);
    }
}
