using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Data;

/// <summary>The data layer's errors, in one place, as the errno that the mount replies with.</summary>
internal static class DataErrors
{
    public static FileSystemException StoreUnavailable(string operation, Exception? cause) =>
        new(Errno.EIO, $"the object store did not complete {operation}: {cause?.Message ?? "no answer"}");

    public static FileSystemException StoreRejected(string operation, int status, string body) =>
        new(Errno.EIO, $"the object store refused {operation}: {status} {Trim(body)}");

    public static FileSystemException ShortBlock(string operation, long expected, long actual) =>
        new(Errno.EIO, $"{operation}: expected {expected} bytes, the store sent {actual}");

    public static FileSystemException BlockMissing(SliceBlockMissingException missing) =>
        new(Errno.EIO, $"file data lost or changed under a reader: {missing.Message}");

    public static FileSystemException BufferTimeout(TimeSpan waited) =>
        new(Errno.EIO, $"no write-buffer memory freed within {waited.TotalSeconds:0} s: uploads to the object store are not completing");

    public static FileSystemException UploadFailed(ulong inode, Exception cause) =>
        new(Errno.EIO, $"data of inode {inode} could not be stored: {cause.Message}");

    public static FileSystemException FileTooBig(long end) =>
        new(Errno.EFBIG, $"offset {end} is beyond the largest file size supported");

    public static FileSystemException NegativeOffset(long offset) =>
        new(Errno.EINVAL, $"negative offset {offset}");

    public static FileSystemException Closed() =>
        new(Errno.EBADF, "the file handle is closed");

    private static string Trim(string body) => body.Length > 200 ? body[..200] : body;
}
