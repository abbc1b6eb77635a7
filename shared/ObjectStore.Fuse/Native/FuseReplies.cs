namespace ObjectStore.Fuse.Native;

/// <summary>Conversions from the managed reply types to the structures libfuse reads.</summary>
internal static class FuseReplies
{
    /// <summary>st_blksize reported to callers: stdio and cp size their buffers from it.</summary>
    private const int PreferredIoSize = 128 << 10;

    public static NativeStat ToStat(in FuseAttributes attributes)
    {
        var stat = default(NativeStat);
        stat.Inode = attributes.Inode;
        stat.Mode = attributes.Mode;
        stat.LinkCount = attributes.LinkCount;
        stat.Uid = attributes.Uid;
        stat.Gid = attributes.Gid;
        stat.Rdev = attributes.Rdev;
        stat.Size = (long)attributes.Size;
        stat.BlockSize = PreferredIoSize;
        stat.Blocks = (long)((attributes.Size + 511) / 512);
        (stat.AccessSeconds, stat.AccessNanoseconds) = Split(attributes.AccessTimeNs);
        (stat.ModifySeconds, stat.ModifyNanoseconds) = Split(attributes.ModifyTimeNs);
        (stat.ChangeSeconds, stat.ChangeNanoseconds) = Split(attributes.ChangeTimeNs);
        return stat;
    }

    public static NativeEntryParam ToEntry(in FuseAttributes attributes, FuseMountOptions options) => new()
    {
        Inode = attributes.Inode,
        Generation = 0,
        Attributes = ToStat(attributes),
        AttributeTimeout = options.AttributeTimeout.TotalSeconds,
        EntryTimeout = options.EntryTimeout.TotalSeconds,
    };

    public static NativeFileInfo ToFileInfo(in FuseOpenResult open, int flags)
    {
        var info = default(NativeFileInfo);
        info.Flags = flags;
        info.Handle = open.Handle;
        if (open.DirectIo)
        {
            info.Bits |= NativeFileInfo.DirectIo;
        }

        if (open.KeepCache)
        {
            info.Bits |= NativeFileInfo.KeepCache;
        }

        if (open.CacheDirectory)
        {
            info.Bits |= NativeFileInfo.CacheReaddir;
        }

        return info;
    }

    public static NativeStatVfs ToStatVfs(in FuseStatistics statistics)
    {
        var vfs = default(NativeStatVfs);
        vfs.BlockSize = statistics.BlockSize;
        vfs.FragmentSize = statistics.BlockSize;
        vfs.Blocks = statistics.TotalBlocks;
        vfs.BlocksFree = statistics.FreeBlocks;
        vfs.BlocksAvailable = statistics.AvailableBlocks;
        vfs.Files = statistics.TotalFiles;
        vfs.FilesFree = statistics.FreeFiles;
        vfs.FilesAvailable = statistics.FreeFiles;
        vfs.NameMax = statistics.NameMax;
        return vfs;
    }

    public static long ToNanoseconds(long seconds, long nanoseconds) => (seconds * 1_000_000_000) + nanoseconds;

    private static (long Seconds, long Nanoseconds) Split(long unixNanoseconds)
    {
        var seconds = Math.DivRem(unixNanoseconds, 1_000_000_000, out var rest);
        if (rest < 0)
        {
            seconds--;
            rest += 1_000_000_000;
        }

        return (seconds, rest);
    }
}
