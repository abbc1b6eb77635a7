using ObjectStore.FileSystem.Meta;
using static ObjectStore.FileSystem.Tests.Meta.MetaTestSupport;

namespace ObjectStore.FileSystem.Tests.Meta;

// A create right after the kernel's lookup uses the directory that lookup read (no second read): what another client
// did in between must still decide the outcome.
public abstract partial class MetaContractTests
{
    [Fact]
    public async Task A_name_taken_by_another_client_between_lookup_and_create_is_EEXIST()
    {
        var other = await StartClientAsync();
        var dir = await Meta.Mkdir(Root, "d");
        await ThrowsErrno(Errno.ENOENT, () => Meta.LookupAsync(dir.Inode, "f", None));
        var theirs = await other.CreateFile(dir.Inode, "f");

        await ThrowsErrno(Errno.EEXIST, () => Meta.CreateFile(dir.Inode, "f"));
        Assert.Equal(theirs.Inode, (await Meta.LookupAsync(dir.Inode, "f", None)).Inode);
    }

    [Fact]
    public async Task A_directory_removed_by_another_client_between_lookup_and_create_is_ENOENT_and_stays_removed()
    {
        var other = await StartClientAsync();
        var dir = await Meta.Mkdir(Root, "d");
        await ThrowsErrno(Errno.ENOENT, () => Meta.LookupAsync(dir.Inode, "f", None));
        await other.RemoveDirectoryAsync(Root, "d", None);

        await ThrowsErrno(Errno.ENOENT, () => Meta.CreateFile(dir.Inode, "f"));
        Assert.Empty(await Meta.ListAll(Root));
    }

    [Fact]
    public async Task Directory_times_written_from_what_this_client_knows_never_undo_another_clients_change()
    {
        var options = Options();
        options.DirectoryTimesResolution = TimeSpan.Zero; // every create writes its directory's times
        var strict = await StartClientAsync(options);
        var other = await StartClientAsync();
        var dir = await strict.Mkdir(Root, "d");
        await ThrowsErrno(Errno.ENOENT, () => strict.LookupAsync(dir.Inode, "a", None));
        await strict.CreateFile(dir.Inode, "a"); // known now: the revision this client wrote
        await other.SetAttributesAsync(dir.Inode, new SetAttributes { Mode = 0x1C0 /* 0700 */ }, None);

        await strict.CreateFile(dir.Inode, "b");
        var after = await other.GetAttributesAsync(dir.Inode, None);
        Assert.Equal(0x1C0u, after.Mode);
        Assert.Equal(2, (await other.ListAll(dir.Inode)).Count);
        Assert.Equal(after, strict.RecentDirectoryAttributes(dir.Inode));
    }

    [Fact]
    public async Task A_directory_this_client_changed_is_not_answered_from_what_it_knew_before()
    {
        var dir = await Meta.Mkdir(Root, "d");
        await ThrowsErrno(Errno.ENOENT, () => Meta.LookupAsync(dir.Inode, "x", None));
        Assert.NotNull(Meta.RecentDirectoryAttributes(dir.Inode));
        await Meta.SetAttributesAsync(dir.Inode, new SetAttributes { Mode = 0x1C0 }, None);
        Assert.Null(Meta.RecentDirectoryAttributes(dir.Inode));
        await Meta.Mkdir(dir.Inode, "sub");
        Assert.Equal(3u, (Meta.RecentDirectoryAttributes(dir.Inode) ?? await Meta.GetAttributesAsync(dir.Inode, None)).LinkCount);
    }
}
