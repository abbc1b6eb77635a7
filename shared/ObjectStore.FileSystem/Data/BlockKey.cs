namespace ObjectStore.FileSystem.Data;

/// <summary>Block <see cref="Block"/> of slice <see cref="SliceId"/>; blocks never change, so a cached copy is valid for as long as it exists.</summary>
internal readonly record struct BlockKey(ulong SliceId, int Block);
