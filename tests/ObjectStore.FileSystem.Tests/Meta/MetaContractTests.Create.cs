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
    public async Task Attributes_set_from_what_this_client_last_wrote_never_undo_another_clients_chmod()
    {
        var other = await StartClientAsync();
        var file = await Meta.CreateFile(Root, "f");
        await other.SetAttributesAsync(file.Inode, new SetAttributes { Mode = 0x180 /* 0600 */ }, None);

        var set = await Meta.SetAttributesAsync(file.Inode, new SetAttributes { MtimeNs = 7_000_000_000 }, None);

        Assert.Equal((0x180u, 7_000_000_000L), (set.Mode, set.MtimeNs));
        var stored = await other.GetAttributesAsync(file.Inode, None);
        Assert.Equal((0x180u, 7_000_000_000L), (stored.Mode, stored.MtimeNs));
    }

    [Fact]
    public async Task An_extended_attribute_added_to_a_file_this_client_just_created_is_found()
    {
        var other = await StartClientAsync();
        var mine = await Meta.CreateFile(Root, "mine");
        var theirs = await Meta.CreateFile(Root, "theirs");

        await Meta.SetExtendedAttributeAsync(mine.Inode, "user.a", new byte[] { 1 }, XattrFlags.None, None);
        await other.SetExtendedAttributeAsync(theirs.Inode, "user.b", new byte[] { 2 }, XattrFlags.None, None);
        // This client's next commit on the file meets the other's change (and reads it): the file is no longer known bare.
        await Meta.SetAttributesAsync(theirs.Inode, new SetAttributes { Mode = 0x180 }, None);

        Assert.Equal(new byte[] { 1 }, await Meta.GetExtendedAttributeAsync(mine.Inode, "user.a", None));
        Assert.Equal(new byte[] { 2 }, await Meta.GetExtendedAttributeAsync(theirs.Inode, "user.b", None));
        Assert.Equal(["user.b"], await Meta.ListExtendedAttributesAsync(theirs.Inode, None));
    }

    [Fact]
    public async Task A_slice_committed_from_what_this_client_last_wrote_keeps_another_clients_slice()
    {
        var other = await StartClientAsync();
        var file = await Meta.CreateFile(Root, "f");
        var theirs = await other.WriteSlice(file.Inode, 0, 8192, 4096);

        var ours = await Meta.WriteSlice(file.Inode, 0, 0, 4096);

        Assert.Equal([new ChunkSlice(8192, theirs), new ChunkSlice(0, ours)], await other.ReadChunkAsync(file.Inode, 0, None));
        Assert.Equal(12288ul, (await other.GetAttributesAsync(file.Inode, None)).Length);
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
        Assert.Equal(after, strict.RecentAttributes(dir.Inode));
    }

    [Fact]
    public async Task A_directory_this_client_changed_is_not_answered_from_what_it_knew_before()
    {
        var dir = await Meta.Mkdir(Root, "d");
        await ThrowsErrno(Errno.ENOENT, () => Meta.LookupAsync(dir.Inode, "x", None));
        Assert.NotNull(Meta.RecentAttributes(dir.Inode));
        await Meta.SetAttributesAsync(dir.Inode, new SetAttributes { Mode = 0x1C0 }, None);
        Assert.Null(Meta.RecentAttributes(dir.Inode));
        await Meta.Mkdir(dir.Inode, "sub");
        Assert.Equal(3u, (Meta.RecentAttributes(dir.Inode) ?? await Meta.GetAttributesAsync(dir.Inode, None)).LinkCount);
    }
}
