namespace ObjectStore.FileSystem.Meta;

/// <summary>Linux errno values the namespace answers with (the numbers are Linux's, so FUSE replies can use them as is).</summary>
public enum Errno
{
    EPERM = 1,
    ENOENT = 2,
    EIO = 5,
    E2BIG = 7,
    EBADF = 9,
    EACCES = 13,
    EEXIST = 17,
    EXDEV = 18,
    ENOTDIR = 20,
    EISDIR = 21,
    EINVAL = 22,
    EFBIG = 27,
    ENOSPC = 28,
    ERANGE = 34,
    ENAMETOOLONG = 36,
    ENOTEMPTY = 39,
    ENODATA = 61,
    ENOTSUP = 95,
}
