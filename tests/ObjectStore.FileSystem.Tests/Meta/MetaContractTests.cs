using Microsoft.Extensions.Logging.Abstractions;
using ObjectStore.FileSystem.Meta;
using ObjectStore.FileSystem.Meta.Kv;
using static ObjectStore.FileSystem.Tests.Meta.MetaTestSupport;

namespace ObjectStore.FileSystem.Tests.Meta;

/// <summary>
/// The behaviour every engine must give <see cref="IFileSystemMeta"/>: run on the in-memory engine as unit tests
/// and on a real 3-member etcd cluster as integration tests. Each test uses its own volume (a fresh key prefix).
/// "Clients" are separate <see cref="KvMeta"/> instances on the same store, as two mounts would be.
/// </summary>
public abstract partial class MetaContractTests : IAsyncLifetime
{
    private readonly List<KvMeta> _clients = [];
    private readonly HashSet<KvMeta> _killed = [];

    protected string Volume { get; } = "t" + Guid.NewGuid().ToString("N")[..12];

    protected abstract ITransactionalKv Kv { get; }

    protected KvMeta Meta { get; private set; } = null!;

    protected static CancellationToken None => CancellationToken.None;

    protected virtual FileSystemMetaOptions Options() => new()
    {
        Volume = Volume,
        InodeBatchSize = 50,
        SliceBatchSize = 50,
        DeletedSliceGracePeriod = TimeSpan.Zero,
        OperationTimeout = TimeSpan.FromSeconds(30),
        SessionTtl = TimeSpan.FromSeconds(10),
    };

    protected async Task<KvMeta> StartClientAsync(FileSystemMetaOptions? options = null)
    {
        var meta = new KvMeta(Kv, options ?? Options(), TimeProvider.System, NullLogger<KvMeta>.Instance);
        await meta.StartSessionAsync(None);
        _clients.Add(meta);
        return meta;
    }

    /// <summary>Stops a client as a SIGKILL would (no cleanup), then ends its lease as the TTL would.</summary>
    protected async Task KillAsync(KvMeta meta)
    {
        var session = meta.SessionId;
        await meta.DisposeAsync();
        _killed.Add(meta);
        await Kv.RevokeLeaseAsync(session, None);
    }

    /// <summary>The test ended this client itself (killed it): no session close at the end.</summary>
    protected void ExcludeFromClose(KvMeta meta) => _killed.Add(meta);

    public async Task InitializeAsync() => Meta = await StartClientAsync();

    public async Task DisposeAsync()
    {
        foreach (var client in _clients.Where(c => !_killed.Contains(c)))
        {
            await client.CloseSessionAsync(None);
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_new_volume_has_a_root_directory_owned_by_root_with_mode_0755()
    {
        var root = await Meta.GetAttributesAsync(Root, None);
        Assert.Equal(InodeType.Directory, root.Type);
        Assert.Equal(0x1EDu, root.Mode);
        Assert.Equal((0u, 0u, 2u, 1UL), (root.Uid, root.Gid, root.LinkCount, root.Parent));

        var second = await StartClientAsync();
        Assert.Equal(root, await second.GetAttributesAsync(Root, None));
        Assert.NotEqual(Meta.SessionId, second.SessionId);
    }

    [Fact]
    public async Task A_created_file_is_found_by_lookup_with_its_attributes_and_touches_its_directory()
    {
        var options = Options();
        options.DirectoryTimesResolution = TimeSpan.Zero;
        var strict = await StartClientAsync(options);
        var before = await strict.GetAttributesAsync(Root, None);
        var created = await strict.MakeNodeAsync(Root, "hello.txt", InodeType.File, 0x1A4, 1000, 100, 0, None);

        var found = await Meta.LookupAsync(Root, "hello.txt", None);
        Assert.Equal(created, found);
        Assert.Equal((InodeType.File, 0x1A4u, 1000u, 100u, 1u, 0UL), (found.Attributes.Type, found.Attributes.Mode, found.Attributes.Uid, found.Attributes.Gid, found.Attributes.LinkCount, found.Attributes.Length));
        Assert.Equal(created.Attributes, await Meta.GetAttributesAsync(created.Inode, None));
        var after = await Meta.GetAttributesAsync(Root, None);
        Assert.True(after.MtimeNs >= before.MtimeNs && after.CtimeNs > before.CtimeNs);
        Assert.Equal(before.LinkCount, after.LinkCount);
    }

    [Fact]
    public async Task Every_node_type_can_be_made_and_directories_and_symlinks_are_refused_by_mknod()
    {
        foreach (var type in new[] { InodeType.File, InodeType.Fifo, InodeType.CharDevice, InodeType.BlockDevice, InodeType.Socket })
        {
            var entry = await Meta.MakeNodeAsync(Root, type.ToString(), type, 0x180, 0, 0, 0x0501, None);
            Assert.Equal((type, 0x0501u), (entry.Attributes.Type, entry.Attributes.Rdev));
        }
        await ThrowsErrno(Errno.EINVAL, () => Meta.MakeNodeAsync(Root, "d", InodeType.Directory, 0x1ED, 0, 0, 0, None));
        await ThrowsErrno(Errno.EINVAL, () => Meta.MakeNodeAsync(Root, "s", InodeType.Symlink, 0x1FF, 0, 0, 0, None));
    }

    [Fact]
    public async Task Creating_an_existing_name_is_EEXIST_whatever_the_type()
    {
        await Meta.CreateFile(Root, "x");
        await ThrowsErrno(Errno.EEXIST, () => Meta.CreateFile(Root, "x"));
        await ThrowsErrno(Errno.EEXIST, () => Meta.Mkdir(Root, "x"));
        await ThrowsErrno(Errno.EEXIST, () => Meta.SymlinkAsync(Root, "x", "target", 0, 0, None));
    }

    [Fact]
    public async Task Lookup_answers_ENOENT_for_a_missing_name_ENOTDIR_in_a_file_and_resolves_dot_and_dot_dot()
    {
        var dir = await Meta.Mkdir(Root, "dir");
        var file = await Meta.CreateFile(dir.Inode, "f");
        await ThrowsErrno(Errno.ENOENT, () => Meta.LookupAsync(Root, "missing", None));
        await ThrowsErrno(Errno.ENOTDIR, () => Meta.LookupAsync(file.Inode, "x", None));
        await ThrowsErrno(Errno.ENOENT, () => Meta.LookupAsync(987654, "x", None));
        await ThrowsErrno(Errno.ENOENT, () => Meta.GetAttributesAsync(987654, None));
        Assert.Equal(dir.Inode, (await Meta.LookupAsync(dir.Inode, ".", None)).Inode);
        Assert.Equal(Root, (await Meta.LookupAsync(dir.Inode, "..", None)).Inode);
    }

    [Fact]
    public async Task Names_are_1_to_255_bytes_without_slash_or_nul_and_not_dot_or_dot_dot()
    {
        await Meta.CreateFile(Root, new string('a', 255));
        await Meta.CreateFile(Root, new string('é', 127)); // 254 bytes of UTF-8
        await ThrowsErrno(Errno.ENAMETOOLONG, () => Meta.CreateFile(Root, new string('a', 256)));
        await ThrowsErrno(Errno.ENAMETOOLONG, () => Meta.CreateFile(Root, new string('é', 128)));
        await ThrowsErrno(Errno.ENAMETOOLONG, () => Meta.LookupAsync(Root, new string('a', 256), None));
        await ThrowsErrno(Errno.EINVAL, () => Meta.CreateFile(Root, "a/b"));
        await ThrowsErrno(Errno.EINVAL, () => Meta.CreateFile(Root, "a\0b"));
        await ThrowsErrno(Errno.EINVAL, () => Meta.Mkdir(Root, "."));
        await ThrowsErrno(Errno.EINVAL, () => Meta.Mkdir(Root, ".."));
        await ThrowsErrno(Errno.ENOENT, () => Meta.CreateFile(Root, ""));
    }

    [Fact]
    public async Task Mkdir_and_rmdir_keep_link_counts_and_parents_as_posix_says()
    {
        var a = await Meta.Mkdir(Root, "a");
        Assert.Equal((2u, Root), (a.Attributes.LinkCount, a.Attributes.Parent));
        Assert.Equal(3u, (await Meta.GetAttributesAsync(Root, None)).LinkCount);
        var b = await Meta.Mkdir(a.Inode, "b");
        await Meta.CreateFile(a.Inode, "file");
        Assert.Equal(3u, (await Meta.GetAttributesAsync(a.Inode, None)).LinkCount);
        Assert.Equal(a.Inode, (await Meta.LookupAsync(b.Inode, "..", None)).Inode);

        await ThrowsErrno(Errno.ENOTEMPTY, () => Meta.RemoveDirectoryAsync(Root, "a", None));
        await ThrowsErrno(Errno.ENOTDIR, () => Meta.RemoveDirectoryAsync(a.Inode, "file", None));
        await ThrowsErrno(Errno.EISDIR, () => Meta.UnlinkAsync(a.Inode, "b", None));
        await ThrowsErrno(Errno.ENOENT, () => Meta.RemoveDirectoryAsync(a.Inode, "missing", None));
        await ThrowsErrno(Errno.EINVAL, () => Meta.RemoveDirectoryAsync(a.Inode, ".", None));
        await ThrowsErrno(Errno.ENOTEMPTY, () => Meta.RemoveDirectoryAsync(a.Inode, "..", None));

        await Meta.RemoveDirectoryAsync(a.Inode, "b", None);
        Assert.Equal(2u, (await Meta.GetAttributesAsync(a.Inode, None)).LinkCount);
        await ThrowsErrno(Errno.ENOENT, () => Meta.GetAttributesAsync(b.Inode, None));
        await Meta.UnlinkAsync(a.Inode, "file", None);
        await Meta.RemoveDirectoryAsync(Root, "a", None);
        Assert.Equal(2u, (await Meta.GetAttributesAsync(Root, None)).LinkCount);
        Assert.Empty(await Meta.ListAll(Root));
    }

    [Fact]
    public async Task A_set_group_id_directory_passes_its_group_on()
    {
        var dir = await Meta.MakeDirectoryAsync(Root, "shared", 0x400 | 0x1FD /* 02775 */, 0, 50, None);
        var file = await Meta.MakeNodeAsync(dir.Inode, "f", InodeType.File, 0x1A4, 1000, 1000, 0, None);
        var sub = await Meta.MakeDirectoryAsync(dir.Inode, "sub", 0x1ED, 1000, 1000, None);
        Assert.Equal(50u, file.Attributes.Gid);
        Assert.Equal((50u, 0x400u), (sub.Attributes.Gid, sub.Attributes.Mode & 0x400));
    }

    [Fact]
    public async Task A_symlink_reads_back_its_target_and_other_inodes_are_not_links()
    {
        var link = await Meta.SymlinkAsync(Root, "link", "../some/where é", 10, 20, None);
        Assert.Equal((InodeType.Symlink, 0x1FFu, (ulong)"../some/where é"u8.Length), (link.Attributes.Type, link.Attributes.Mode, link.Attributes.Length));
        Assert.Equal("../some/where é", await Meta.ReadLinkAsync(link.Inode, None));
        var file = await Meta.CreateFile(Root, "f");
        await ThrowsErrno(Errno.EINVAL, () => Meta.ReadLinkAsync(file.Inode, None));
        await ThrowsErrno(Errno.ENOENT, () => Meta.SymlinkAsync(Root, "empty", "", 0, 0, None));
        await ThrowsErrno(Errno.ENAMETOOLONG, () => Meta.SymlinkAsync(Root, "long", new string('x', 4096), 0, 0, None));
        await Meta.UnlinkAsync(Root, "link", None);
        await ThrowsErrno(Errno.ENOENT, () => Meta.ReadLinkAsync(link.Inode, None));
    }

    [Fact]
    public async Task Hard_links_share_the_inode_and_the_file_lives_until_its_last_name_goes()
    {
        var dir = await Meta.Mkdir(Root, "d");
        var file = await Meta.CreateFile(Root, "f");
        var linked = await Meta.LinkAsync(file.Inode, dir.Inode, "g", None);
        Assert.Equal((file.Inode, 2u), (linked.Inode, linked.Attributes.LinkCount));
        Assert.Equal(file.Inode, (await Meta.LookupAsync(dir.Inode, "g", None)).Inode);

        await ThrowsErrno(Errno.EEXIST, () => Meta.LinkAsync(file.Inode, dir.Inode, "g", None));
        await ThrowsErrno(Errno.EPERM, () => Meta.LinkAsync(dir.Inode, Root, "dirlink", None));
        await ThrowsErrno(Errno.ENOENT, () => Meta.LinkAsync(99999, Root, "nothing", None));
        await ThrowsErrno(Errno.ENOTDIR, () => Meta.LinkAsync(file.Inode, file.Inode, "x", None));

        await Meta.UnlinkAsync(Root, "f", None);
        Assert.Equal(1u, (await Meta.GetAttributesAsync(file.Inode, None)).LinkCount);
        await Meta.UnlinkAsync(dir.Inode, "g", None);
        await ThrowsErrno(Errno.ENOENT, () => Meta.GetAttributesAsync(file.Inode, None));
        await ThrowsErrno(Errno.ENOENT, () => Meta.UnlinkAsync(dir.Inode, "g", None));
    }

    [Fact]
    public async Task Setattr_changes_mode_owner_and_times_and_always_the_change_time()
    {
        var file = await Meta.CreateFile(Root, "f");
        var changed = await Meta.SetAttributesAsync(file.Inode, new SetAttributes { Mode = 0x9ED /* 04755 */, Uid = 7, Gid = 8, AtimeNs = 1_000, MtimeNs = 2_000 }, None);
        Assert.Equal((0x9EDu, 7u, 8u, 1_000L, 2_000L), (changed.Mode, changed.Uid, changed.Gid, changed.AtimeNs, changed.MtimeNs));
        Assert.True(changed.CtimeNs >= file.Attributes.CtimeNs);
        Assert.Equal(changed, await Meta.GetAttributesAsync(file.Inode, None));
        var explicitCtime = await Meta.SetAttributesAsync(file.Inode, new SetAttributes { CtimeNs = 5 }, None);
        Assert.Equal((5L, 0x9EDu), (explicitCtime.CtimeNs, explicitCtime.Mode));
        await ThrowsErrno(Errno.EINVAL, () => Meta.SetAttributesAsync(file.Inode, new SetAttributes { Mode = 0x1000 }, None));
        await ThrowsErrno(Errno.ENOENT, () => Meta.SetAttributesAsync(4242, new SetAttributes { Mode = 0 }, None));
    }

    [Fact]
    public async Task Extended_attributes_are_set_read_listed_and_removed_with_linux_errors()
    {
        var file = await Meta.CreateFile(Root, "f");
        await Meta.SetExtendedAttributeAsync(file.Inode, "user.a", "one"u8.ToArray(), XattrFlags.None, None);
        await Meta.SetExtendedAttributeAsync(file.Inode, "user.b", Array.Empty<byte>(), XattrFlags.Create, None);
        Assert.Equal("one"u8.ToArray(), await Meta.GetExtendedAttributeAsync(file.Inode, "user.a", None));
        Assert.Empty(await Meta.GetExtendedAttributeAsync(file.Inode, "user.b", None));
        Assert.Equal(["user.a", "user.b"], await Meta.ListExtendedAttributesAsync(file.Inode, None));

        await ThrowsErrno(Errno.EEXIST, () => Meta.SetExtendedAttributeAsync(file.Inode, "user.a", "x"u8.ToArray(), XattrFlags.Create, None));
        await ThrowsErrno(Errno.ENODATA, () => Meta.SetExtendedAttributeAsync(file.Inode, "user.c", "x"u8.ToArray(), XattrFlags.Replace, None));
        await Meta.SetExtendedAttributeAsync(file.Inode, "user.a", "two"u8.ToArray(), XattrFlags.Replace, None);
        Assert.Equal("two"u8.ToArray(), await Meta.GetExtendedAttributeAsync(file.Inode, "user.a", None));
        await ThrowsErrno(Errno.ENODATA, () => Meta.GetExtendedAttributeAsync(file.Inode, "user.c", None));
        await ThrowsErrno(Errno.ERANGE, () => Meta.GetExtendedAttributeAsync(file.Inode, "user." + new string('n', 251), None));
        await ThrowsErrno(Errno.E2BIG, () => Meta.SetExtendedAttributeAsync(file.Inode, "user.big", new byte[65537], XattrFlags.None, None));
        await ThrowsErrno(Errno.ENOENT, () => Meta.ListExtendedAttributesAsync(31337, None));

        await Meta.RemoveExtendedAttributeAsync(file.Inode, "user.a", None);
        await ThrowsErrno(Errno.ENODATA, () => Meta.RemoveExtendedAttributeAsync(file.Inode, "user.a", None));
        Assert.Equal(["user.b"], await Meta.ListExtendedAttributesAsync(file.Inode, None));
    }

    [Fact]
    public async Task A_directory_of_a_few_thousand_entries_is_listed_in_pages_in_name_order()
    {
        var dir = await Meta.Mkdir(Root, "big");
        var names = Enumerable.Range(0, 2500).Select(i => $"file-{i:D5}").ToList();
        foreach (var batch in names.Chunk(25)) await Task.WhenAll(batch.Select(n => Meta.CreateFile(dir.Inode, n)));

        var listed = await Meta.ListAll(dir.Inode, pageSize: 333);
        Assert.Equal(names, listed.Select(e => e.Name));
        Assert.All(listed, e => Assert.Null(e.Attributes));
        Assert.Equal(listed.Count, listed.Select(e => e.Inode).Distinct().Count());

        var plus = await Meta.ReadDirectoryAsync(dir.Inode, "file-00099", 200, plus: true, None);
        Assert.True(plus.HasMore);
        Assert.Equal(names.Skip(100).Take(200), plus.Entries.Select(e => e.Name));
        Assert.All(plus.Entries, e => Assert.Equal(InodeType.File, e.Attributes!.Type));

        var file = await Meta.LookupAsync(dir.Inode, "file-00000", None);
        await ThrowsErrno(Errno.ENOTDIR, () => Meta.ReadDirectoryAsync(file.Inode, null, 10, false, None));
        await ThrowsErrno(Errno.EINVAL, () => Meta.ReadDirectoryAsync(dir.Inode, null, 0, false, None));
    }

    [Fact]
    public async Task Statistics_count_used_bytes_by_4_KiB_and_inodes()
    {
        var before = await Meta.StatisticsAsync(None);
        var file = await Meta.CreateFile(Root, "f");
        await Meta.WriteSlice(file.Inode, 0, 0, 10_000);
        var during = await Meta.StatisticsAsync(None);
        Assert.Equal(before.Inodes + 1, during.Inodes);
        Assert.Equal(before.UsedBytes + 12_288, during.UsedBytes);
        await Meta.UnlinkAsync(Root, "f", None);
        Assert.Equal(before, await Meta.StatisticsAsync(None));
    }
}
