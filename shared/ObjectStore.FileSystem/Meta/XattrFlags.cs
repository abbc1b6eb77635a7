namespace ObjectStore.FileSystem.Meta;

/// <summary>setxattr(2) flags, with Linux's values.</summary>
[Flags]
public enum XattrFlags
{
    None = 0,
    /// <summary>XATTR_CREATE: fail with EEXIST if the attribute exists.</summary>
    Create = 1,
    /// <summary>XATTR_REPLACE: fail with ENODATA if the attribute does not exist.</summary>
    Replace = 2,
}
