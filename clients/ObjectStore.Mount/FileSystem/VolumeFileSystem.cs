using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ObjectStore.FileSystem.Data;
using ObjectStore.FileSystem.Meta;
using ObjectStore.Fuse;

namespace ObjectStore.Mount.FileSystem;

/// <summary>
/// One volume served through FUSE: each operation is translated to the namespace (<see cref="IFileSystemMeta"/>) and
/// the file contents (<see cref="FileData"/>). Operations live in files by family (lookup, attributes, names, rename,
/// directory reading, open/close, read/write, xattr, statfs), as SeaweedFS's mount does.
/// </summary>
/// <remarks>
/// Inode numbers are the namespace's own (root = 1), so nothing is remembered per lookup and forget is free. Handles
/// are numbers into <see cref="_files"/> and <see cref="_directories"/>; they live from open to release.
/// </remarks>
public sealed partial class VolumeFileSystem(
    IFileSystemMeta meta,
    FileData data,
    ClusterCapacity capacity,
    MountOptions options,
    TimeProvider time,
    ILogger<VolumeFileSystem> logger) : ILowLevelFileSystem, IAsyncDisposable
{
    private readonly ConcurrentDictionary<ulong, OpenFileHandle> _files = new();
    private readonly ConcurrentDictionary<ulong, OpenDirectory> _directories = new();
    private long _lastHandle;

    /// <summary>Maps the namespace's errors to their errno; everything else is EIO (the binding logs it).</summary>
    public static int? TranslateError(Exception exception) => exception switch
    {
        FileSystemException fs => (int)fs.Errno,
        _ => null,
    };

    public void Forget(ulong inode, ulong lookups)
    {
        // Inodes are the namespace's; nothing is held per lookup.
    }

    /// <summary>
    /// After the kernel connection ended: handles it never released (a lazy unmount, an aborted connection) are flushed
    /// and released, so that no written byte stays behind in memory.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (id, file) in _files)
        {
            if (_files.TryRemove(id, out _))
            {
                try
                {
                    await file.Data.DisposeAsync().ConfigureAwait(false);
                    await meta.ReleaseAsync(file.Inode, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is FileSystemException or OperationCanceledException)
                {
                    LogReleaseAtExitFailed(logger, file.Inode, e.Message);
                }
            }
        }

        _directories.Clear();
    }

    private ulong NewHandle() => (ulong)Interlocked.Increment(ref _lastHandle);

    private long NowNs() => (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;

    /// <summary>The kernel's view of an inode: the length of a file open here includes its buffered writes.</summary>
    private FuseAttributes ToFuse(ulong inode, InodeAttributes attributes)
    {
        var length = attributes.Type == InodeType.File && data.TryGetLength(inode, out var open) ? open : attributes.Length;
        return new FuseAttributes(inode, attributes.StatMode, attributes.LinkCount, attributes.Uid, attributes.Gid, attributes.Rdev,
            length, attributes.AtimeNs, attributes.MtimeNs, attributes.CtimeNs);
    }

    private FuseAttributes ToFuse(Entry entry) => ToFuse(entry.Inode, entry.Attributes);

    private OpenFileHandle File(ulong handle) =>
        _files.TryGetValue(handle, out var file) ? file : throw new FuseException(FuseErrno.EBADF, $"no open file handle {handle}");

    private OpenDirectory DirectoryHandle(ulong handle) =>
        _directories.TryGetValue(handle, out var directory) ? directory : throw new FuseException(FuseErrno.EBADF, $"no open directory handle {handle}");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing inode {Inode} at exit failed: {Error}")]
    private static partial void LogReleaseAtExitFailed(ILogger logger, ulong inode, string error);
}
