using ObjectStore.FileSystem.Meta;
using static ObjectStore.FileSystem.Tests.Meta.MetaTestSupport;

namespace ObjectStore.FileSystem.Tests.Meta;

public abstract partial class MetaContractTests
{
    [Fact]
    public async Task A_file_unlinked_while_open_stays_readable_until_its_last_release()
    {
        var file = await Meta.CreateFile(Root, "f");
        var slice = await Meta.WriteSlice(file.Inode, 0, 0, 100);
        await Meta.OpenAsync(file.Inode, None);
        await Meta.OpenAsync(file.Inode, None);
        await Meta.UnlinkAsync(Root, "f", None);

        await ThrowsErrno(Errno.ENOENT, () => Meta.LookupAsync(Root, "f", None));
        Assert.Equal(0u, (await Meta.GetAttributesAsync(file.Inode, None)).LinkCount);
        Assert.Equal([new ChunkSlice(0, slice)], await Meta.ReadChunkAsync(file.Inode, 0, None));
        await Meta.WriteSlice(file.Inode, 0, 100, 10);
        Assert.Empty(await Meta.DeletedSliceIds());

        await Meta.ReleaseAsync(file.Inode, None);
        Assert.Equal(110UL, (await Meta.GetAttributesAsync(file.Inode, None)).Length);
        await Meta.ReleaseAsync(file.Inode, None);
        await ThrowsErrno(Errno.ENOENT, () => Meta.GetAttributesAsync(file.Inode, None));
        Assert.Contains(slice.Id, await Meta.DeletedSliceIds());
    }

    [Fact]
    public async Task Closing_a_session_deletes_the_files_it_kept_open()
    {
        var client = await StartClientAsync();
        var file = await client.CreateFile(Root, "f");
        var slice = await client.WriteSlice(file.Inode, 0, 0, 100);
        await client.OpenAsync(file.Inode, None);
        await client.UnlinkAsync(Root, "f", None);
        await client.CloseSessionAsync(None);
        await ThrowsErrno(Errno.ENOENT, () => Meta.GetAttributesAsync(file.Inode, None));
        Assert.Contains(slice.Id, await Meta.DeletedSliceIds());
    }

    [Fact]
    public async Task A_killed_client_leaves_nothing_the_next_session_cannot_clean()
    {
        var doomed = await StartClientAsync();
        var kept = await doomed.CreateFile(Root, "kept");
        var keptSlice = await doomed.WriteSlice(kept.Inode, 0, 0, 100);
        await doomed.OpenAsync(kept.Inode, None);
        await doomed.UnlinkAsync(Root, "kept", None);
        var closed = await doomed.CreateFile(Root, "closed");
        var closedSlice = await doomed.WriteSlice(closed.Inode, 0, 0, 100);
        await KillAsync(doomed);

        // A live session does not touch another session's kept files until that session is dead; the one that starts next cleans.
        Assert.Equal(0u, (await Meta.GetAttributesAsync(kept.Inode, None)).LinkCount);
        var next = await StartClientAsync();
        await ThrowsErrno(Errno.ENOENT, () => next.GetAttributesAsync(kept.Inode, None));
        Assert.Contains(keptSlice.Id, await next.DeletedSliceIds());
        Assert.Equal([new ChunkSlice(0, closedSlice)], await next.ReadChunkAsync(closed.Inode, 0, None));
        Assert.Equal(100UL, (await next.LookupAsync(Root, "closed", None)).Attributes.Length);
    }
}
