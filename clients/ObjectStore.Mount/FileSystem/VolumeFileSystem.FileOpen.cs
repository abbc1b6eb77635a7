using ObjectStore.FileSystem.Meta;
using ObjectStore.Fuse;

namespace ObjectStore.Mount.FileSystem;

// open, create, flush, fsync, release: the life of a file handle.
public sealed partial class VolumeFileSystem
{
    public async ValueTask<FuseOpenResult> OpenAsync(FuseContext context, ulong inode, int flags, CancellationToken cancellationToken)
    {
        // Close-to-open: the namespace answers the attributes as they are now, whatever the kernel cached.
        var attributes = await meta.OpenAsync(inode, cancellationToken).ConfigureAwait(false);
        return await OpenOpenedAsync(inode, attributes, flags, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<FuseCreateResult> CreateAsync(FuseContext context, ulong parent, string name, uint mode, int flags, CancellationToken cancellationToken)
    {
        Entry entry;
        InodeAttributes attributes;
        try
        {
            entry = await meta.MakeNodeAsync(parent, name, InodeType.File, mode & 0xFFF, context.Uid, context.Gid, 0, cancellationToken).ConfigureAwait(false);
            // The create answered the new file's attributes: counting the open needs no second read.
            meta.OpenCreated(entry.Inode);
            attributes = entry.Attributes;
        }
        catch (FileSystemException e) when (e.Errno == Errno.EEXIST && (flags & FileModes.Exclusive) == 0)
        {
            // Another mount created the name since the kernel looked it up: open(O_CREAT) without O_EXCL opens it.
            entry = await meta.LookupAsync(parent, name, cancellationToken).ConfigureAwait(false);
            if (entry.Attributes.Type == InodeType.Directory)
            {
                throw new FuseException(FuseErrno.EISDIR, name);
            }

            attributes = await meta.OpenAsync(entry.Inode, cancellationToken).ConfigureAwait(false);
        }

        var opened = await OpenOpenedAsync(entry.Inode, attributes, flags, cancellationToken).ConfigureAwait(false);
        var file = File(opened.Handle);
        return new FuseCreateResult(ToFuse(entry.Inode, attributes) with { Size = (ulong)file.Data.Length }, opened);
    }

    /// <summary>close(2) of one descriptor: what was written through it is stored and visible to other mounts after this.</summary>
    public async ValueTask FlushAsync(FuseContext context, ulong inode, ulong handle, CancellationToken cancellationToken) =>
        await File(handle).Data.FlushAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask FsyncAsync(FuseContext context, ulong inode, ulong handle, bool dataOnly, CancellationToken cancellationToken) =>
        await File(handle).Data.FlushAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask ReleaseAsync(FuseContext context, ulong inode, ulong handle, int flags, CancellationToken cancellationToken)
    {
        if (!_files.TryRemove(handle, out var file))
        {
            return;
        }

        try
        {
            await file.Data.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            // The last release of a file unlinked while open deletes it.
            await meta.ReleaseAsync(file.Inode, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>After the namespace counted the open: a data handle, O_TRUNC applied, the handle registered.</summary>
    private async Task<FuseOpenResult> OpenOpenedAsync(ulong inode, InodeAttributes attributes, int flags, CancellationToken cancellationToken)
    {
        try
        {
            if (attributes.Type == InodeType.Directory)
            {
                throw new FuseException(FuseErrno.EISDIR, $"inode {inode} is a directory");
            }

            var handle = data.Open(inode, attributes);
            try
            {
                if ((flags & FileModes.Truncate) != 0 && (flags & FileModes.AccessModeMask) != 0 && attributes.Length > 0)
                {
                    await handle.TruncateAsync(0, cancellationToken).ConfigureAwait(false);
                }
            }
            catch
            {
                await handle.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            var id = NewHandle();
            _files[id] = new OpenFileHandle(inode, handle, (flags & FileModes.Append) != 0);
            return new FuseOpenResult(id);
        }
        catch
        {
            await meta.ReleaseAsync(inode, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }
}
