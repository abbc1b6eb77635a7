namespace ObjectStore.Fuse;

/// <summary>An operation failed with a specific errno; the binding replies with it instead of EIO.</summary>
public sealed class FuseException(int errno, string message) : Exception(message)
{
    public int Errno { get; } = errno;
}
