namespace ObjectStore.FileSystem.Meta;

/// <summary>What statfs reports of the volume itself: bytes used by files (lengths rounded up to 4 KiB) and inodes in use.</summary>
public readonly record struct FileSystemStatistics(ulong UsedBytes, ulong Inodes);
