using ObjectStore.FileSystem.Meta;
using static ObjectStore.FileSystem.Tests.Meta.MetaTestSupport;

namespace ObjectStore.FileSystem.Tests.Meta;

// In a directory this client made, a lookup of a name it does not know answers ENOENT from what it knows: its own
// changes at once, another client's within AbsentNameCacheTime, and whatever a listing showed.
public abstract partial class MetaContractTests
{
    // A timer may fire a little before the monotonic clock that ages what the client knows says the time is up.
    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task Names_this_client_puts_into_or_takes_out_of_a_directory_it_made_are_found_at_once()
    {
        var options = Options();
        options.AbsentNameCacheTime = TimeSpan.FromHours(1); // nothing but this client's own changes can tell
        var client = await StartClientAsync(options);
        var dir = await client.Mkdir(Root, "made");
        var elsewhere = await client.CreateFile(Root, "elsewhere");

        await ThrowsErrno(Errno.ENOENT, () => client.LookupAsync(dir.Inode, "f", None));
        var file = await client.CreateFile(dir.Inode, "f");
        var sub = await client.Mkdir(dir.Inode, "sub");
        await client.RenameAsync(Root, "elsewhere", dir.Inode, "moved", RenameFlags.None, None);
        await client.LinkAsync(file.Inode, dir.Inode, "link", None);

        Assert.Equal(file.Inode, (await client.LookupAsync(dir.Inode, "f", None)).Inode);
        Assert.Equal(sub.Inode, (await client.LookupAsync(dir.Inode, "sub", None)).Inode);
        Assert.Equal(elsewhere.Inode, (await client.LookupAsync(dir.Inode, "moved", None)).Inode);
        Assert.Equal(file.Inode, (await client.LookupAsync(dir.Inode, "link", None)).Inode);

        await client.UnlinkAsync(dir.Inode, "f", None);
        await client.RenameAsync(dir.Inode, "moved", Root, "back", RenameFlags.None, None);
        await ThrowsErrno(Errno.ENOENT, () => client.LookupAsync(dir.Inode, "f", None));
        await ThrowsErrno(Errno.ENOENT, () => client.LookupAsync(dir.Inode, "moved", None));
        Assert.Equal(file.Inode, (await client.LookupAsync(dir.Inode, "link", None)).Inode);

        // A name made again by another client after this one removed it is another client's change: the listing shows it.
        var other = await StartClientAsync();
        var theirs = await other.CreateFile(dir.Inode, "f");
        Assert.Contains("f", (await client.ListAll(dir.Inode)).Select(e => e.Name));
        Assert.Equal(theirs.Inode, (await client.LookupAsync(dir.Inode, "f", None)).Inode);
    }

    [Fact]
    public async Task A_name_another_client_creates_in_a_directory_this_client_made_is_found_once_the_absent_name_cache_time_has_passed()
    {
        var options = Options();
        options.AbsentNameCacheTime = TimeSpan.FromMilliseconds(300);
        var client = await StartClientAsync(options);
        var other = await StartClientAsync();
        var dir = await client.Mkdir(Root, "made");
        var mine = await client.CreateFile(dir.Inode, "mine");
        await ThrowsErrno(Errno.ENOENT, () => client.LookupAsync(dir.Inode, "theirs", None));

        var theirs = await other.CreateFile(dir.Inode, "theirs");
        var sub = await other.Mkdir(dir.Inode, "their-dir");
        await Task.Delay(options.AbsentNameCacheTime + TimerSlack);

        Assert.Equal(theirs.Inode, (await client.LookupAsync(dir.Inode, "theirs", None)).Inode);
        Assert.Equal(sub.Inode, (await client.LookupAsync(dir.Inode, "their-dir", None)).Inode);
        await ThrowsErrno(Errno.ENOENT, () => client.LookupAsync(dir.Inode, "nobody's", None));
        // What this client knew stays right: its own name, and the other's once removed again.
        await other.UnlinkAsync(dir.Inode, "theirs", None);
        await Task.Delay(options.AbsentNameCacheTime + TimerSlack);
        await ThrowsErrno(Errno.ENOENT, () => client.LookupAsync(dir.Inode, "theirs", None));
        Assert.Equal(mine.Inode, (await client.LookupAsync(dir.Inode, "mine", None)).Inode);
    }

    [Fact]
    public async Task Within_the_absent_name_cache_time_another_clients_new_name_is_found_once_a_listing_shows_it()
    {
        var options = Options();
        options.AbsentNameCacheTime = TimeSpan.FromHours(1);
        var client = await StartClientAsync(options);
        var other = await StartClientAsync();
        var dir = await client.Mkdir(Root, "made");
        var theirs = await other.CreateFile(dir.Inode, "theirs");

        // The staleness this setting allows (as the kernel's attribute cache allows for a file's attributes)...
        await ThrowsErrno(Errno.ENOENT, () => client.LookupAsync(dir.Inode, "theirs", None));
        // ...ends for a name as soon as a listing has shown it.
        Assert.Equal(["theirs"], (await client.ListAll(dir.Inode)).Select(e => e.Name));
        Assert.Equal(theirs.Inode, (await client.LookupAsync(dir.Inode, "theirs", None)).Inode);
        // A create never goes by it: its commit compares the name free.
        await ThrowsErrno(Errno.ENOENT, () => client.LookupAsync(dir.Inode, "also-theirs", None));
        await other.CreateFile(dir.Inode, "also-theirs");
        await ThrowsErrno(Errno.EEXIST, () => client.CreateFile(dir.Inode, "also-theirs"));
    }
}
