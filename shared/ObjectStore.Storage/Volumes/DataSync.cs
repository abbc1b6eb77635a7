using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ObjectStore.Storage.Volumes;

internal static partial class DataSync
{
    /// <summary>
    /// fdatasync(2): the file's data, and its size if that changed, but not its times. .NET's FlushToDisk is fsync, which
    /// also commits the modification time every write changes: a journal commit per flush of a pack file written in place.
    /// </summary>
    public static void Flush(SafeFileHandle file)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(file);
            return;
        }

        var added = false;
        file.DangerousAddRef(ref added);
        try
        {
            if (Fdatasync((int)file.DangerousGetHandle()) != 0)
            {
                throw new IOException("fdatasync failed", new Win32Exception(Marshal.GetLastPInvokeError()));
            }
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(int fd);
}
