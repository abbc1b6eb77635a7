namespace ObjectStore.FileSystem.Meta;

/// <summary>One name in a directory. <paramref name="Attributes"/> is filled only for readdirplus.</summary>
public readonly record struct DirectoryEntry(string Name, ulong Inode, InodeType Type, InodeAttributes? Attributes);
