using ObjectStore.FileSystem.Data;

namespace ObjectStore.Mount.FileSystem;

/// <summary>One open(2) as the kernel knows it by its handle number.</summary>
/// <param name="Append">Opened with O_APPEND: every write goes to the current end of the file, whatever offset the kernel sends.</param>
internal sealed record OpenFileHandle(ulong Inode, FileHandle Data, bool Append);
