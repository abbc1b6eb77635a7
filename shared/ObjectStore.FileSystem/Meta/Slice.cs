namespace ObjectStore.FileSystem.Meta;

/// <summary>
/// A slice: a contiguous run of bytes written once, stored as objects of at most <see cref="FileLayout.BlockSize"/>
/// each (blocks 0..n-1). <paramref name="Id"/>: unique, never reused (0 = a hole, reads as zeros).
/// <paramref name="Size"/>: stored length of the whole slice. <paramref name="Offset"/>/<paramref name="Length"/>:
/// the part of it in use.
/// </summary>
public readonly record struct Slice(ulong Id, uint Size, uint Offset, uint Length);
