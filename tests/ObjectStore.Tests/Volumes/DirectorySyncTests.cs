using ObjectStore.Storage.Volumes;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Volumes;

public sealed class DirectorySyncTests
{
    [Fact]
    public async Task Commits_arriving_during_an_fsync_share_the_next_one()
    {
        var calls = 0;
        using var first = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var sync = new DirectorySync("/nowhere", _ =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                first.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }
        });

        var leader = sync.SyncAsync();
        Assert.True(first.Wait(TimeSpan.FromSeconds(30)));
        var followers = Enumerable.Range(0, 20).Select(_ => sync.SyncAsync()).ToList();
        Assert.False(leader.IsCompleted);
        Assert.All(followers, f => Assert.False(f.IsCompleted));
        release.Set();
        await Task.WhenAll(followers.Append(leader));

        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task A_failed_fsync_fails_every_commit_waiting_on_it_and_the_next_one_runs_again()
    {
        var fail = true;
        var sync = new DirectorySync("/nowhere", _ =>
        {
            if (fail)
            {
                throw new IOException("disk gone");
            }
        });

        await Assert.ThrowsAsync<IOException>(() => sync.SyncAsync());
        fail = false;
        await sync.SyncAsync();
    }

    [Fact]
    public void A_real_directory_can_be_fsynced()
    {
        using var directory = new TemporaryDirectory();
        DirectorySync.Fsync(directory.FullPath);
        Assert.Throws<IOException>(() => DirectorySync.Fsync(System.IO.Path.Combine(directory.FullPath, "missing")));
    }
}
