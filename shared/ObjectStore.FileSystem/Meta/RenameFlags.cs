namespace ObjectStore.FileSystem.Meta;

/// <summary>renameat2(2) flags, with Linux's values.</summary>
[Flags]
public enum RenameFlags : uint
{
    None = 0,
    /// <summary>RENAME_NOREPLACE: fail with EEXIST if the target exists.</summary>
    NoReplace = 1,
    /// <summary>RENAME_EXCHANGE: swap source and target atomically (both must exist).</summary>
    Exchange = 2,
}
