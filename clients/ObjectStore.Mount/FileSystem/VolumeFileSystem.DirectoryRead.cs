using ObjectStore.FileSystem.Meta;
using ObjectStore.Fuse;

namespace ObjectStore.Mount.FileSystem;

// opendir, readdir, readdirplus, releasedir.
public sealed partial class VolumeFileSystem
{
    public async ValueTask<FuseOpenResult> OpenDirectoryAsync(FuseContext context, ulong inode, int flags, CancellationToken cancellationToken)
    {
        var attributes = await meta.GetAttributesAsync(inode, cancellationToken).ConfigureAwait(false);
        if (attributes.Type != InodeType.Directory)
        {
            throw new FuseException(FuseErrno.ENOTDIR, $"inode {inode} is not a directory");
        }

        var handle = NewHandle();
        _directories[handle] = new OpenDirectory(inode, attributes.Parent == 0 ? inode : attributes.Parent);
        return new FuseOpenResult(handle);
    }

    public async ValueTask ReadDirectoryAsync(FuseContext context, ulong inode, ulong handle, long offset, FuseDirectoryBuffer buffer, CancellationToken cancellationToken)
    {
        var directory = DirectoryHandle(handle);
        await directory.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (offset == 0)
            {
                directory.Restart();
            }

            for (var position = offset; ; position++)
            {
                var next = position + 1;
                if (position == 0 || position == 1)
                {
                    var dotInode = position == 0 ? directory.Inode : directory.Parent;
                    if (!buffer.TryAdd(position == 0 ? "." : "..", dotInode, FileModes.Directory, next))
                    {
                        return;
                    }

                    continue;
                }

                var index = (int)(position - 2);
                if (buffer.Plus && index < directory.Entries.Count && time.GetElapsedTime(directory.ReadAt[index]) >= options.AttributeTimeout)
                {
                    // The kernel caches what readdirplus gives it for the attribute timeout from now: give it nothing older.
                    directory.TruncateAt(index);
                }

                if (index >= directory.Entries.Count)
                {
                    if (directory.Complete || !await FetchPageAsync(directory, buffer.Plus, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }
                }

                var entry = directory.Entries[index];
                var added = entry.Attributes is { } attributes && buffer.Plus
                    ? buffer.TryAdd(entry.Name, ToFuse(entry.Inode, attributes), next)
                    : buffer.TryAdd(entry.Name, entry.Inode, InodeAttributes.FileTypeBits(entry.Type), next);
                if (!added)
                {
                    return;
                }
            }
        }
        finally
        {
            directory.Lock.Release();
        }
    }

    public ValueTask ReleaseDirectoryAsync(FuseContext context, ulong inode, ulong handle, CancellationToken cancellationToken)
    {
        _directories.TryRemove(handle, out _);
        return ValueTask.CompletedTask;
    }

    /// <summary>Appends the next page of the listing; false when there was nothing more.</summary>
    private async Task<bool> FetchPageAsync(OpenDirectory directory, bool plus, CancellationToken cancellationToken)
    {
        var after = directory.Entries.Count == 0 ? null : directory.Entries[^1].Name;
        var readAt = time.GetTimestamp();
        var page = await meta.ReadDirectoryAsync(directory.Inode, after, options.DirectoryPageSize, plus, cancellationToken).ConfigureAwait(false);
        directory.Entries.AddRange(page.Entries);
        directory.ReadAt.AddRange(Enumerable.Repeat(readAt, page.Entries.Count));
        directory.Complete = !page.HasMore;
        return page.Entries.Count > 0;
    }
}
