namespace ObjectStore.FileSystem.Meta;

/// <summary>
/// The attributes of an inode as stat(2) shows them. <paramref name="Mode"/> holds the permission bits only
/// (07777: rwx for user/group/other plus suid, sgid, sticky); the file type is <paramref name="Type"/>.
/// Times are nanoseconds since the Unix epoch. <paramref name="Parent"/> is the containing directory of a
/// directory (for ".."); for other types it is the parent at creation time and only informative (hard links).
/// </summary>
public sealed record InodeAttributes(
    InodeType Type,
    uint Mode,
    uint Uid,
    uint Gid,
    uint LinkCount,
    ulong Length,
    uint Rdev,
    long AtimeNs,
    long MtimeNs,
    long CtimeNs,
    ulong Parent)
{
    /// <summary>The st_mode of stat(2): file type bits (S_IFREG, S_IFDIR, ...) or'ed with the permission bits.</summary>
    public uint StatMode => FileTypeBits(Type) | (Mode & 0xFFF);

    public static uint FileTypeBits(InodeType type) => type switch
    {
        InodeType.File => 0x8000,        // S_IFREG
        InodeType.Directory => 0x4000,   // S_IFDIR
        InodeType.Symlink => 0xA000,     // S_IFLNK
        InodeType.Fifo => 0x1000,        // S_IFIFO
        InodeType.CharDevice => 0x2000,  // S_IFCHR
        InodeType.BlockDevice => 0x6000, // S_IFBLK
        InodeType.Socket => 0xC000,      // S_IFSOCK
        _ => 0,
    };
}
