namespace ObjectStore.FileSystem.Meta;

/// <summary>A file-system error with the errno a FUSE reply should carry.</summary>
public sealed class FileSystemException(Errno errno, string message, Exception? inner = null) : Exception(message, inner)
{
    public Errno Errno { get; } = errno;
}
