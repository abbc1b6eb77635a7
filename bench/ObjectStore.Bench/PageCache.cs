using System.Runtime.InteropServices;

namespace ObjectStore.Bench;

/// <summary>
/// Writes back every dirty page before a PUT row, so that each system starts it from the same page cache. A system that
/// does not fsync (nginx) otherwise runs only as fast as the dirty pages that earlier rows left allow: 272-339 PUTs of
/// 1 MiB a second at c=1 after the disk and Azurite rows, 1,666 in a run without them (2026-12-02, same machine).
/// </summary>
internal static partial class PageCache
{
    public static void Flush()
    {
        if (OperatingSystem.IsLinux())
        {
            Sync();
        }
    }

    [LibraryImport("libc", EntryPoint = "sync")]
    private static partial void Sync();
}
