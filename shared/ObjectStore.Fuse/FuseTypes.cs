namespace ObjectStore.Fuse;

/// <summary>Who sent a request: the calling process's credentials as the kernel saw them.</summary>
public readonly record struct FuseContext(uint Uid, uint Gid, int Pid, uint Umask);

/// <summary>
/// Attributes of one inode as the kernel wants them: <paramref name="Mode"/> holds the file type bits
/// (<c>S_IFREG</c>, <c>S_IFDIR</c>, …, see <see cref="FileModes"/>) and the permission bits; times are Unix nanoseconds.
/// </summary>
public readonly record struct FuseAttributes(
    ulong Inode,
    uint Mode,
    uint LinkCount,
    uint Uid,
    uint Gid,
    uint Rdev,
    ulong Size,
    long AccessTimeNs,
    long ModifyTimeNs,
    long ChangeTimeNs);

/// <summary>What open/opendir/create answer: the handle the kernel passes back on every later call, and cache hints.</summary>
public readonly record struct FuseOpenResult(ulong Handle, bool DirectIo = false, bool KeepCache = false, bool CacheDirectory = false);

/// <summary>
/// The answer to a read: <see cref="Data"/> is sent as the reply, and then <see cref="Owner"/> is disposed; until then
/// it keeps the memory valid (a pooled buffer, or a block the file system holds in its cache, sent without a copy).
/// </summary>
public readonly record struct FuseReadResult(ReadOnlyMemory<byte> Data, IDisposable? Owner);

/// <summary>What create answers: the new inode and its open handle.</summary>
public readonly record struct FuseCreateResult(FuseAttributes Attributes, FuseOpenResult Open);

/// <summary>A setattr request: every null member is left unchanged. <c>…Now</c> means "the server's current time".</summary>
public sealed record FuseSetAttributes
{
    public uint? Mode { get; init; }

    public uint? Uid { get; init; }

    public uint? Gid { get; init; }

    public ulong? Size { get; init; }

    public long? AccessTimeNs { get; init; }

    public bool AccessTimeNow { get; init; }

    public long? ModifyTimeNs { get; init; }

    public bool ModifyTimeNow { get; init; }

    public long? ChangeTimeNs { get; init; }
}

/// <summary>What statfs answers, in <see cref="BlockSize"/> units.</summary>
public readonly record struct FuseStatistics(
    uint BlockSize,
    ulong TotalBlocks,
    ulong FreeBlocks,
    ulong AvailableBlocks,
    ulong TotalFiles,
    ulong FreeFiles,
    uint NameMax);

/// <summary>The <c>st_mode</c> type bits and the open flags a file system needs to interpret requests.</summary>
public static class FileModes
{
    public const uint TypeMask = 0xF000; // S_IFMT
    public const uint Socket = 0xC000;
    public const uint Symlink = 0xA000;
    public const uint Regular = 0x8000;
    public const uint BlockDevice = 0x6000;
    public const uint Directory = 0x4000;
    public const uint CharDevice = 0x2000;
    public const uint Fifo = 0x1000;

    public const int AccessModeMask = 3; // O_ACCMODE
    public const int WriteOnly = 1;
    public const int ReadWrite = 2;
    public const int Exclusive = 0x80; // O_EXCL
    public const int Truncate = 0x200; // O_TRUNC
    public const int Append = 0x400; // O_APPEND

    public const uint RenameNoReplace = 1; // RENAME_NOREPLACE
    public const uint RenameExchange = 2; // RENAME_EXCHANGE

    public const int XattrCreate = 1; // XATTR_CREATE
    public const int XattrReplace = 2; // XATTR_REPLACE
}
