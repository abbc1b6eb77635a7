using ObjectStore.FileSystem.Meta;
using ObjectStore.FileSystem.Meta.Kv;
using static ObjectStore.FileSystem.Tests.Meta.MetaTestSupport;

namespace ObjectStore.FileSystem.Tests.Meta;

/// <summary>The contract on a real 3-member etcd cluster, plus what only a real cluster can show.</summary>
[Trait("Category", "Integration")]
[Collection(EtcdCollection.Name)]
public sealed class EtcdMetaContractTests(EtcdClusterFixture etcd) : MetaContractTests
{
    protected override ITransactionalKv Kv => etcd.Kv;

    // Each member in turn: the client sends its calls to one member at a time, so one of these stops the member it
    // uses. The operations must succeed within the namespace's bound (OperationTimeout; past it they fail as EIO).
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task With_one_member_stopped_the_namespace_keeps_working_and_catches_up_when_it_returns(int member)
    {
        var options = Options();
        options.OperationTimeout = TimeSpan.FromSeconds(10);
        var client = await StartClientAsync(options);
        var dir = await client.Mkdir(Root, "d");
        await etcd.StopEtcdMemberAsync(member);
        try
        {
            for (var i = 0; i < 30; i++) await client.CreateFile(dir.Inode, $"f{i}");
            await client.RenameAsync(dir.Inode, "f0", Root, "moved", RenameFlags.None, None);
            var other = await StartClientAsync(options);
            Assert.Equal(29, (await other.ListAll(dir.Inode)).Count);
        }
        finally
        {
            await etcd.StartEtcdMemberAsync(member);
        }
        await client.CreateFile(dir.Inode, "after");
        Assert.Equal(30, (await client.ListAll(dir.Inode)).Count);
    }

    [Fact]
    public async Task Without_a_quorum_calls_fail_with_EIO_within_the_bound_and_work_again_when_it_is_back()
    {
        var options = Options();
        var client = await StartClientAsync(options);
        await client.CreateFile(Root, "before");
        options.OperationTimeout = TimeSpan.FromSeconds(3);
        await etcd.StopEtcdMemberAsync(1);
        await etcd.StopEtcdMemberAsync(2);
        try
        {
            var e = await ThrowsErrno(Errno.EIO, () => client.CreateFile(Root, "during"));
            Assert.Contains("did not answer within 3 s", e.Message);
            await ThrowsErrno(Errno.EIO, () => client.LookupAsync(Root, "before", None));
            // One member back is a quorum again (members restart one at a time: each waits until it is healthy).
            await etcd.StartEtcdMemberAsync(1);
            options.OperationTimeout = TimeSpan.FromSeconds(30);
            await client.CreateFile(Root, "after");
        }
        finally
        {
            await etcd.StartEtcdMemberAsync(1);
            await etcd.StartEtcdMemberAsync(2);
        }
        // A create answered EIO may still land once the quorum is back: the member it reached keeps the proposal (a
        // create that commits without reading first, as one right after a lookup does, gets that far). Nothing else may.
        var names = (await client.ListAll(Root)).Select(e => e.Name).Where(n => n != "during");
        Assert.Equal(["after", "before"], names);
    }

    [Fact]
    public async Task A_session_whose_lease_runs_out_is_cleaned_by_the_next_one()
    {
        var options = Options();
        options.SessionTtl = TimeSpan.FromSeconds(2);
        var doomed = await StartClientAsync(options);
        var file = await doomed.CreateFile(Root, "f");
        await doomed.OpenAsync(file.Inode, None);
        await doomed.UnlinkAsync(Root, "f", None);
        var session = doomed.SessionId;
        await doomed.DisposeAsync(); // killed: the keep-alive stops, nothing is cleaned
        ExcludeFromClose(doomed);

        // etcd expires the lease by itself; wait (bounded) until it has, then start a new session.
        var keys = new Keys(Volume);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await etcd.Kv.GetAsync(keys.Session(session), None) is not null) await Task.Delay(200, bound.Token);
        var next = await StartClientAsync();
        await ThrowsErrno(Errno.ENOENT, () => next.GetAttributesAsync(file.Inode, None));
    }
}
