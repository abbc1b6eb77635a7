namespace ObjectStore.FileSystem.Meta;

/// <summary>
/// A page of a directory listing in name order (ordinal order of the UTF-8 bytes), without "." and "..".
/// Continue with <c>after</c> = the last entry's name while <paramref name="HasMore"/> is true.
/// </summary>
public sealed record DirectoryPage(IReadOnlyList<DirectoryEntry> Entries, bool HasMore);
