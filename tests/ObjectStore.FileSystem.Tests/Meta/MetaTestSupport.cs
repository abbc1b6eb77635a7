using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Tests.Meta;

internal static class MetaTestSupport
{
    public const uint Root = 1;

    public static async Task<FileSystemException> ThrowsErrno(Errno errno, Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<FileSystemException>(action);
        Assert.Equal(errno, e.Errno);
        return e;
    }

    public static Task<Entry> CreateFile(this IFileSystemMeta meta, ulong parent, string name, uint mode = 0x1A4 /* 0644 */) =>
        meta.MakeNodeAsync(parent, name, InodeType.File, mode, 1000, 1000, 0, CancellationToken.None);

    public static Task<Entry> Mkdir(this IFileSystemMeta meta, ulong parent, string name) =>
        meta.MakeDirectoryAsync(parent, name, 0x1ED, 1000, 1000, CancellationToken.None);

    public static async Task<List<DirectoryEntry>> ListAll(this IFileSystemMeta meta, ulong directory, int pageSize = 100, bool plus = false)
    {
        var all = new List<DirectoryEntry>();
        string? after = null;
        while (true)
        {
            var page = await meta.ReadDirectoryAsync(directory, after, pageSize, plus, CancellationToken.None);
            all.AddRange(page.Entries);
            if (!page.HasMore) return all;
            after = page.Entries[^1].Name;
        }
    }

    public static async Task<HashSet<ulong>> DeletedSliceIds(this IFileSystemMeta meta) =>
        (await meta.ListDeletedSlicesAsync(100_000, CancellationToken.None)).Select(s => s.Id).ToHashSet();

    /// <summary>Writes a fresh slice of <paramref name="length"/> bytes at <paramref name="position"/> of a chunk.</summary>
    public static async Task<Slice> WriteSlice(this IFileSystemMeta meta, ulong inode, uint chunk, uint position, uint length)
    {
        var slice = new Slice(await meta.NewSliceIdAsync(CancellationToken.None), length, 0, length);
        await meta.WriteAsync(inode, chunk, position, slice, 1, CancellationToken.None);
        return slice;
    }
}
