namespace ObjectStore.FileSystem.Meta;

/// <summary>Every error the namespace raises, in one place, with the errno and a message that names the object.</summary>
internal static class MetaErrors
{
    public static FileSystemException NoEntry(ulong parent, string name) => new(Errno.ENOENT, $"no entry '{name}' in directory {parent}");
    public static FileSystemException NoInode(ulong inode) => new(Errno.ENOENT, $"no inode {inode}");
    public static FileSystemException Exists(ulong parent, string name) => new(Errno.EEXIST, $"'{name}' already exists in directory {parent}");
    public static FileSystemException NotDirectory(ulong inode) => new(Errno.ENOTDIR, $"inode {inode} is not a directory");
    public static FileSystemException IsDirectory(ulong inode) => new(Errno.EISDIR, $"inode {inode} is a directory");
    public static FileSystemException NotEmpty(ulong inode) => new(Errno.ENOTEMPTY, $"directory {inode} is not empty");
    public static FileSystemException NameTooLong(int bytes) => new(Errno.ENAMETOOLONG, $"a name is at most {Names.MaxNameBytes} bytes, this one has {bytes}");
    public static FileSystemException Invalid(string why) => new(Errno.EINVAL, why);
    public static FileSystemException NotPermitted(string why) => new(Errno.EPERM, why);
    public static FileSystemException NotSymlink(ulong inode) => new(Errno.EINVAL, $"inode {inode} is not a symbolic link");
    public static FileSystemException NoAttribute(ulong inode, string name) => new(Errno.ENODATA, $"inode {inode} has no extended attribute '{name}'");
    public static FileSystemException AttributeExists(ulong inode, string name) => new(Errno.EEXIST, $"inode {inode} already has extended attribute '{name}'");
    public static FileSystemException AttributeNameRange(int bytes) => new(Errno.ERANGE, $"an extended attribute name is 1 to {Names.MaxNameBytes} bytes, this one has {bytes}");
    public static FileSystemException AttributeTooBig(int bytes) => new(Errno.E2BIG, $"an extended attribute value is at most {Names.MaxXattrValueBytes} bytes, this one has {bytes}");
    public static FileSystemException FileTooBig(ulong length) => new(Errno.EFBIG, $"a file is at most {Names.MaxFileLength} bytes, {length} asked");
    public static FileSystemException TimedOut(TimeSpan bound, Exception? last) =>
        new(Errno.EIO, $"the metadata store did not answer within {bound.TotalSeconds:0.#} s" + (last is null ? "" : $": {last.Message}"), last);
    public static FileSystemException StoreRefused(Exception e) => new(Errno.EIO, $"the metadata store refused the request: {e.Message}", e);
    public static FileSystemException TooManyConflicts(int attempts) => new(Errno.EIO, $"the transaction lost {attempts} races to other writers in a row");
    public static FileSystemException TooLarge(string what) => new(Errno.EIO, $"the transaction would exceed the store's limits: {what}");
    public static FileSystemException NotStarted() => new(Errno.EIO, "the volume is not formatted or the session was not started (call StartSessionAsync first)");
    public static FileSystemException Corrupt(string record, int length) => new(Errno.EIO, $"a stored {record} record is malformed ({length} bytes)");
}
