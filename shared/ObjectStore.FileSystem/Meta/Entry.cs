namespace ObjectStore.FileSystem.Meta;

/// <summary>An inode with its attributes, as lookup, create and link answer.</summary>
public readonly record struct Entry(ulong Inode, InodeAttributes Attributes);
