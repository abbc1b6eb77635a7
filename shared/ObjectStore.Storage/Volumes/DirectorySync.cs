using System.ComponentModel;
using System.Runtime.InteropServices;

namespace ObjectStore.Storage.Volumes;

/// <summary>
/// fsync of a directory, so that the renames in it survive a power cut, with concurrent callers grouped: a caller
/// whose rename is done joins the next fsync, and one fsync covers every rename made before it started. Under load
/// a node pays one directory fsync per batch of commits instead of one per commit.
/// </summary>
/// <param name="fsync">The fsync itself; tests pass one they can hold.</param>
internal sealed partial class DirectorySync(string path, Action<string>? fsync = null)
{
    private const int ReadOnly = 0;
    private const int Directory = 0x10000; // O_DIRECTORY on Linux
    private readonly GroupedSync _group = new(() => (fsync ?? Fsync)(path));

    /// <summary>Completes once an fsync of the directory that started after this call has finished.</summary>
    public Task SyncAsync() => _group.SyncAsync();

    /// <summary>fsync(2) of a directory; .NET cannot open a directory as a file, hence libc.</summary>
    public static void Fsync(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = Open(directory, ReadOnly | Directory);
        if (fd < 0)
        {
            throw new IOException($"open({directory}) for fsync failed", new Win32Exception(Marshal.GetLastPInvokeError()));
        }

        try
        {
            if (FsyncFd(fd) != 0)
            {
                throw new IOException($"fsync({directory}) failed", new Win32Exception(Marshal.GetLastPInvokeError()));
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncFd(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
