namespace ObjectStore.FileSystem.Meta;

/// <summary>What an inode is. Stored as one byte in attributes and directory entries.</summary>
public enum InodeType : byte
{
    File = 1,
    Directory,
    Symlink,
    Fifo,
    CharDevice,
    BlockDevice,
    Socket,
}
