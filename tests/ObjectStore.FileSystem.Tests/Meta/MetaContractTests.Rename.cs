using ObjectStore.FileSystem.Meta;
using static ObjectStore.FileSystem.Tests.Meta.MetaTestSupport;

namespace ObjectStore.FileSystem.Tests.Meta;

public abstract partial class MetaContractTests
{
    [Fact]
    public async Task Rename_moves_a_name_within_and_across_directories()
    {
        var a = await Meta.Mkdir(Root, "a");
        var file = await Meta.CreateFile(Root, "f");
        await Meta.RenameAsync(Root, "f", Root, "g", RenameFlags.None, None);
        await ThrowsErrno(Errno.ENOENT, () => Meta.LookupAsync(Root, "f", None));
        Assert.Equal(file.Inode, (await Meta.LookupAsync(Root, "g", None)).Inode);

        await Meta.RenameAsync(Root, "g", a.Inode, "h", RenameFlags.None, None);
        Assert.Equal(file.Inode, (await Meta.LookupAsync(a.Inode, "h", None)).Inode);
        Assert.Equal(["a"], (await Meta.ListAll(Root)).Select(e => e.Name));
        await ThrowsErrno(Errno.ENOENT, () => Meta.RenameAsync(Root, "missing", Root, "x", RenameFlags.None, None));
        await Meta.RenameAsync(a.Inode, "h", a.Inode, "h", RenameFlags.None, None);
        Assert.Equal(file.Inode, (await Meta.LookupAsync(a.Inode, "h", None)).Inode);
    }

    [Fact]
    public async Task Moving_a_directory_moves_its_dot_dot_and_the_link_counts()
    {
        var a = await Meta.Mkdir(Root, "a");
        var b = await Meta.Mkdir(Root, "b");
        var c = await Meta.Mkdir(a.Inode, "c");
        await Meta.RenameAsync(a.Inode, "c", b.Inode, "c2", RenameFlags.None, None);
        Assert.Equal(b.Inode, (await Meta.LookupAsync(c.Inode, "..", None)).Inode);
        Assert.Equal(b.Inode, (await Meta.GetAttributesAsync(c.Inode, None)).Parent);
        Assert.Equal(2u, (await Meta.GetAttributesAsync(a.Inode, None)).LinkCount);
        Assert.Equal(3u, (await Meta.GetAttributesAsync(b.Inode, None)).LinkCount);
        Assert.Equal(4u, (await Meta.GetAttributesAsync(Root, None)).LinkCount);
    }

    [Fact]
    public async Task A_directory_cannot_move_into_itself_or_below_itself()
    {
        var a = await Meta.Mkdir(Root, "a");
        var b = await Meta.Mkdir(a.Inode, "b");
        var c = await Meta.Mkdir(b.Inode, "c");
        await ThrowsErrno(Errno.EINVAL, () => Meta.RenameAsync(Root, "a", c.Inode, "a", RenameFlags.None, None));
        await ThrowsErrno(Errno.EINVAL, () => Meta.RenameAsync(Root, "a", a.Inode, "a", RenameFlags.None, None));
        await Meta.CreateFile(b.Inode, "x");
        await ThrowsErrno(Errno.EINVAL, () => Meta.RenameAsync(Root, "a", b.Inode, "x", RenameFlags.Exchange, None));
        Assert.Equal(a.Inode, (await Meta.LookupAsync(Root, "a", None)).Inode);
    }

    [Fact]
    public async Task Rename_over_an_existing_file_replaces_it_and_deletes_the_old_one()
    {
        var source = await Meta.CreateFile(Root, "new");
        var old = await Meta.CreateFile(Root, "old");
        var oldSlice = await Meta.WriteSlice(old.Inode, 0, 0, 4096);
        await Meta.RenameAsync(Root, "new", Root, "old", RenameFlags.None, None);
        Assert.Equal(source.Inode, (await Meta.LookupAsync(Root, "old", None)).Inode);
        await ThrowsErrno(Errno.ENOENT, () => Meta.GetAttributesAsync(old.Inode, None));
        Assert.Contains(oldSlice.Id, await Meta.DeletedSliceIds());
        Assert.Single(await Meta.ListAll(Root));
    }

    [Fact]
    public async Task Rename_over_a_directory_needs_a_directory_that_is_empty()
    {
        var src = await Meta.Mkdir(Root, "src");
        var empty = await Meta.Mkdir(Root, "empty");
        var full = await Meta.Mkdir(Root, "full");
        await Meta.CreateFile(full.Inode, "x");
        await Meta.CreateFile(Root, "file");

        await ThrowsErrno(Errno.ENOTEMPTY, () => Meta.RenameAsync(Root, "src", Root, "full", RenameFlags.None, None));
        await ThrowsErrno(Errno.ENOTDIR, () => Meta.RenameAsync(Root, "src", Root, "file", RenameFlags.None, None));
        await ThrowsErrno(Errno.EISDIR, () => Meta.RenameAsync(Root, "file", Root, "empty", RenameFlags.None, None));

        await Meta.RenameAsync(Root, "src", Root, "empty", RenameFlags.None, None);
        Assert.Equal(src.Inode, (await Meta.LookupAsync(Root, "empty", None)).Inode);
        await ThrowsErrno(Errno.ENOENT, () => Meta.GetAttributesAsync(empty.Inode, None));
        Assert.Equal(4u, (await Meta.GetAttributesAsync(Root, None)).LinkCount); // root: ., .., full, empty(=src)
    }

    [Fact]
    public async Task Rename_noreplace_refuses_an_existing_target_and_exchange_swaps_two_names()
    {
        var a = await Meta.Mkdir(Root, "a");
        var file = await Meta.CreateFile(Root, "file");
        var dir = await Meta.Mkdir(a.Inode, "dir");
        await ThrowsErrno(Errno.EEXIST, () => Meta.RenameAsync(Root, "file", Root, "a", RenameFlags.NoReplace, None));
        await ThrowsErrno(Errno.ENOENT, () => Meta.RenameAsync(Root, "file", Root, "nothing", RenameFlags.Exchange, None));
        await ThrowsErrno(Errno.EINVAL, () => Meta.RenameAsync(Root, "file", Root, "x", RenameFlags.Exchange | RenameFlags.NoReplace, None));
        await Meta.RenameAsync(Root, "file", Root, "fresh", RenameFlags.NoReplace, None);

        await Meta.RenameAsync(Root, "fresh", a.Inode, "dir", RenameFlags.Exchange, None);
        Assert.Equal(dir.Inode, (await Meta.LookupAsync(Root, "fresh", None)).Inode);
        Assert.Equal(file.Inode, (await Meta.LookupAsync(a.Inode, "dir", None)).Inode);
        Assert.Equal(Root, (await Meta.GetAttributesAsync(dir.Inode, None)).Parent);
        Assert.Equal(2u, (await Meta.GetAttributesAsync(a.Inode, None)).LinkCount);
        Assert.Equal(4u, (await Meta.GetAttributesAsync(Root, None)).LinkCount);
    }

    [Fact]
    public async Task Renaming_one_of_two_hard_links_onto_the_other_does_nothing()
    {
        var file = await Meta.CreateFile(Root, "a");
        await Meta.LinkAsync(file.Inode, Root, "b", None);
        await Meta.RenameAsync(Root, "a", Root, "b", RenameFlags.None, None);
        Assert.Equal(["a", "b"], (await Meta.ListAll(Root)).Select(e => e.Name));
        Assert.Equal(2u, (await Meta.GetAttributesAsync(file.Inode, None)).LinkCount);
    }

    [Fact]
    public async Task Two_clients_renaming_into_one_directory_at_once_lose_nothing()
    {
        var other = await StartClientAsync();
        var target = await Meta.Mkdir(Root, "target");
        var fromA = await Meta.Mkdir(Root, "fromA");
        var fromB = await Meta.Mkdir(Root, "fromB");
        const int perClient = 40;
        for (var i = 0; i < perClient; i++)
        {
            await Meta.CreateFile(fromA.Inode, $"a{i}");
            await Meta.CreateFile(fromB.Inode, $"b{i}");
        }

        async Task Move(IFileSystemMeta client, ulong from, string prefix)
        {
            for (var i = 0; i < perClient; i++) await client.RenameAsync(from, $"{prefix}{i}", target.Inode, $"{prefix}{i}", RenameFlags.None, None);
        }
        await Task.WhenAll(Move(Meta, fromA.Inode, "a"), Move(other, fromB.Inode, "b"));

        Assert.Equal(2 * perClient, (await other.ListAll(target.Inode)).Count);
        Assert.Empty(await Meta.ListAll(fromA.Inode));
        Assert.Empty(await Meta.ListAll(fromB.Inode));
    }

    [Fact]
    public async Task Two_clients_racing_for_the_same_name_or_the_same_source_have_exactly_one_winner()
    {
        var other = await StartClientAsync();
        for (var round = 0; round < 10; round++)
        {
            var results = await Task.WhenAll(
                Outcome(() => Meta.CreateFile(Root, $"same{round}")),
                Outcome(() => other.CreateFile(Root, $"same{round}")));
            Assert.Equal([(Errno)0, Errno.EEXIST], results.Order());

            await Meta.CreateFile(Root, $"src{round}");
            var renames = await Task.WhenAll(
                Outcome(() => Meta.RenameAsync(Root, $"src{round}", Root, $"one{round}", RenameFlags.None, None)),
                Outcome(() => other.RenameAsync(Root, $"src{round}", Root, $"two{round}", RenameFlags.None, None)));
            Assert.Equal([(Errno)0, Errno.ENOENT], renames.Order());
        }
        var names = (await Meta.ListAll(Root)).Select(e => e.Name).ToList();
        Assert.Equal(20, names.Count);
        Assert.DoesNotContain(names, n => n.StartsWith("src", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_directory_removed_by_one_client_while_another_creates_in_it_never_loses_the_new_entry()
    {
        var other = await StartClientAsync();
        for (var round = 0; round < 10; round++)
        {
            var dir = await Meta.Mkdir(Root, $"d{round}");
            var results = await Task.WhenAll(
                Outcome(() => Meta.RemoveDirectoryAsync(Root, $"d{round}", None)),
                Outcome(() => other.CreateFile(dir.Inode, "child")));
            // Either the directory went first (the create finds no directory) or the child did (rmdir sees it).
            Assert.Contains(results, r => r == 0);
            Assert.True(results is [0, Errno.ENOENT] or [Errno.ENOTEMPTY, 0], string.Join(",", results));
        }
    }

    private static async Task<Errno> Outcome(Func<Task> action)
    {
        try
        {
            await action();
            return 0;
        }
        catch (FileSystemException e)
        {
            return e.Errno;
        }
    }
}
