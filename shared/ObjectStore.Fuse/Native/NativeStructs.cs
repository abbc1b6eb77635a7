using System.Runtime.InteropServices;

namespace ObjectStore.Fuse.Native;

// Layouts of the C structures libfuse3 (3.14, x86_64 glibc) exchanges with us, checked with offsetof/sizeof against
// the installed headers (<fuse_lowlevel.h>, <sys/stat.h>, <sys/statvfs.h>). Sizes are asserted in NativeLayout.

/// <summary><c>struct stat</c> on x86_64 glibc: 144 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeStat
{
    public ulong Device;
    public ulong Inode;
    public ulong LinkCount;
    public uint Mode;
    public uint Uid;
    public uint Gid;
    private readonly int _padding;
    public ulong Rdev;
    public long Size;
    public long BlockSize;
    public long Blocks;
    public long AccessSeconds;
    public long AccessNanoseconds;
    public long ModifySeconds;
    public long ModifyNanoseconds;
    public long ChangeSeconds;
    public long ChangeNanoseconds;
    private readonly long _reserved0;
    private readonly long _reserved1;
    private readonly long _reserved2;
}

/// <summary><c>struct fuse_entry_param</c>: 176 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeEntryParam
{
    public ulong Inode;
    public ulong Generation;
    public NativeStat Attributes;
    public double AttributeTimeout;
    public double EntryTimeout;
}

/// <summary><c>struct fuse_file_info</c>: 40 bytes; the C bit fields are one 32-bit word at offset 4.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeFileInfo
{
    public int Flags;
    public uint Bits;
    private readonly uint _padding2;
    private readonly uint _alignment;
    public ulong Handle;
    public ulong LockOwner;
    public uint PollEvents;
    private readonly uint _tail;

    public const uint WritePage = 1 << 0;
    public const uint DirectIo = 1 << 1;
    public const uint KeepCache = 1 << 2;
    public const uint Flush = 1 << 3;
    public const uint NonSeekable = 1 << 4;
    public const uint FlockRelease = 1 << 5;
    public const uint CacheReaddir = 1 << 6;
    public const uint NoFlush = 1 << 7;
}

/// <summary><c>struct statvfs</c> on x86_64 glibc: 112 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeStatVfs
{
    public ulong BlockSize;
    public ulong FragmentSize;
    public ulong Blocks;
    public ulong BlocksFree;
    public ulong BlocksAvailable;
    public ulong Files;
    public ulong FilesFree;
    public ulong FilesAvailable;
    public ulong FileSystemId;
    public ulong Flags;
    public ulong NameMax;
    private fixed int _spare[6];
}

/// <summary><c>struct fuse_ctx</c>: the caller of a request.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeContext
{
    public uint Uid;
    public uint Gid;
    public int Pid;
    public uint Umask;
}

/// <summary><c>struct fuse_conn_info</c> (3.14): 128 bytes; only the fields we read or set are named.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeConnectionInfo
{
    public uint ProtocolMajor;
    public uint ProtocolMinor;
    public uint MaxWrite;
    public uint MaxRead;
    public uint MaxReadahead;
    public uint Capable;
    public uint Want;
    public uint MaxBackground;
    public uint CongestionThreshold;
    public uint TimeGranularity;
    private fixed uint _reserved[22];
}

/// <summary><c>struct fuse_args</c>: 24 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeArgs
{
    public int Count;
    public byte** Values;
    public int Allocated;
}

/// <summary>The <c>FUSE_CAP_*</c> bits of <see cref="NativeConnectionInfo.Want"/> we touch.</summary>
internal static class FuseCapabilities
{
    public const uint AsyncRead = 1 << 0;
    public const uint AtomicOTrunc = 1 << 3;
    public const uint ReaddirPlus = 1 << 13;
    public const uint ReaddirPlusAuto = 1 << 14;
    public const uint WritebackCache = 1 << 16;
    public const uint ParallelDirectoryOperations = 1 << 18;
    public const uint HandleKillPriv = 1 << 20;
}

/// <summary><c>FUSE_SET_ATTR_*</c>: which fields of a setattr request are set.</summary>
[Flags]
internal enum SetAttributeBits
{
    Mode = 1 << 0,
    Uid = 1 << 1,
    Gid = 1 << 2,
    Size = 1 << 3,
    AccessTime = 1 << 4,
    ModifyTime = 1 << 5,
    AccessTimeNow = 1 << 7,
    ModifyTimeNow = 1 << 8,
    ChangeTime = 1 << 10,
}
