using System.Text;

namespace ObjectStore.FileSystem.Meta;

/// <summary>What a name in a directory, a symlink target and an extended attribute may be (Linux's limits).</summary>
internal static class Names
{
    public const int MaxNameBytes = 255;
    public const int MaxSymlinkBytes = 4095;
    public const int MaxXattrValueBytes = 65536;
    public const ulong MaxFileLength = (ulong)FileLayout.ChunkSize * uint.MaxValue;

    /// <summary>A name to create, remove or rename: 1..255 UTF-8 bytes, no '/' or NUL, not "." or "..".</summary>
    public static void ValidateNew(string name)
    {
        ValidateLookup(name);
        if (name is "." or "..") throw MetaErrors.Invalid($"'{name}' cannot be created, removed or renamed");
    }

    /// <summary>A name to look up ("." and ".." allowed).</summary>
    public static void ValidateLookup(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0) throw new FileSystemException(Errno.ENOENT, "an empty name names nothing");
        var bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxNameBytes) throw MetaErrors.NameTooLong(bytes);
        if (name.Contains('/') || name.Contains('\0')) throw MetaErrors.Invalid($"a name cannot contain '/' or NUL: '{name.Replace("\0", "\\0")}'");
    }

    public static void ValidateSymlinkTarget(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Length == 0) throw new FileSystemException(Errno.ENOENT, "a symbolic link needs a target");
        var bytes = Encoding.UTF8.GetByteCount(target);
        if (bytes > MaxSymlinkBytes) throw new FileSystemException(Errno.ENAMETOOLONG, $"a symlink target is at most {MaxSymlinkBytes} bytes, this one has {bytes}");
        if (target.Contains('\0')) throw MetaErrors.Invalid("a symlink target cannot contain NUL");
    }

    public static void ValidateAttributeName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes is 0 or > MaxNameBytes) throw MetaErrors.AttributeNameRange(bytes);
        if (name.Contains('\0')) throw MetaErrors.Invalid("an extended attribute name cannot contain NUL");
    }
}
