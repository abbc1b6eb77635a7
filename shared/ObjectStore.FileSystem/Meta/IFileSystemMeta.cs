namespace ObjectStore.FileSystem.Meta;

/// <summary>
/// The namespace of one volume: inodes, directories, attributes, extended attributes and the slice lists of file
/// contents. Every change is one atomic transaction, also against other clients (mounts) of the same volume.
/// Errors are thrown as <see cref="FileSystemException"/> with the errno a FUSE reply should carry; a store that
/// cannot be reached within <see cref="FileSystemMetaOptions.OperationTimeout"/> gives EIO.
/// Permission checks are the kernel's (<c>default_permissions</c>).
/// </summary>
public interface IFileSystemMeta : IAsyncDisposable
{
    /// <summary>The root directory's inode.</summary>
    const ulong RootInode = 1;

    /// <summary>Formats the volume if it is new, registers this mount as a session (kept alive by a lease) and cleans up after dead sessions.</summary>
    Task StartSessionAsync(CancellationToken ct);

    /// <summary>Ends the session: deletes the files this session kept alive because they were open when unlinked, flushes statistics.</summary>
    Task CloseSessionAsync(CancellationToken ct);

    Task<Entry> LookupAsync(ulong parent, string name, CancellationToken ct);

    Task<InodeAttributes> GetAttributesAsync(ulong inode, CancellationToken ct);

    /// <summary>chmod, chown, utimens. The size is changed by <see cref="TruncateAsync"/>.</summary>
    Task<InodeAttributes> SetAttributesAsync(ulong inode, SetAttributes changes, CancellationToken ct);

    /// <summary>Sets the length of a file; bytes past the old end read as zeros, slices past the new end are queued for deletion.</summary>
    Task<InodeAttributes> TruncateAsync(ulong inode, ulong length, CancellationToken ct);

    /// <summary>Creates a file, fifo, device or socket (create/mknod). EEXIST if the name exists.</summary>
    Task<Entry> MakeNodeAsync(ulong parent, string name, InodeType type, uint mode, uint uid, uint gid, uint rdev, CancellationToken ct);

    Task<Entry> MakeDirectoryAsync(ulong parent, string name, uint mode, uint uid, uint gid, CancellationToken ct);

    Task<Entry> SymlinkAsync(ulong parent, string name, string target, uint uid, uint gid, CancellationToken ct);

    Task<string> ReadLinkAsync(ulong inode, CancellationToken ct);

    /// <summary>Removes a name of a non-directory. The last name of a file that this session has open keeps the file until its last release.</summary>
    Task UnlinkAsync(ulong parent, string name, CancellationToken ct);

    /// <summary>Removes an empty directory (ENOTEMPTY otherwise).</summary>
    Task RemoveDirectoryAsync(ulong parent, string name, CancellationToken ct);

    /// <summary>rename/renameat2: replaces an existing target (file over file, empty directory over directory) unless <see cref="RenameFlags.NoReplace"/>; swaps with <see cref="RenameFlags.Exchange"/>.</summary>
    Task RenameAsync(ulong parent, string name, ulong newParent, string newName, RenameFlags flags, CancellationToken ct);

    /// <summary>Adds a hard link to a non-directory.</summary>
    Task<Entry> LinkAsync(ulong inode, ulong newParent, string newName, CancellationToken ct);

    /// <summary>A page of at most <paramref name="limit"/> entries after the name <paramref name="after"/> (null: from the start); with attributes if <paramref name="plus"/>.</summary>
    Task<DirectoryPage> ReadDirectoryAsync(ulong inode, string? after, int limit, bool plus, CancellationToken ct);

    /// <summary>Counts an open handle of this session on the inode and answers its current attributes (close-to-open).</summary>
    Task<InodeAttributes> OpenAsync(ulong inode, CancellationToken ct);

    /// <summary>
    /// A directory's attributes as this session read or wrote them, or a file's as it wrote them, a moment ago
    /// (<see cref="FileSystemMetaOptions.DirectoryCacheTime"/>), else null; no round trip. The kernel asks for a directory's
    /// attributes again after every create in it, and for a file's before every chown.
    /// </summary>
    InodeAttributes? RecentAttributes(ulong inode);

    /// <summary>Counts an open handle on a file this session has just created: the create answered its attributes, so nothing is read.</summary>
    void OpenCreated(ulong inode);

    /// <summary>Drops an open handle; the last release of a file unlinked meanwhile deletes it.</summary>
    Task ReleaseAsync(ulong inode, CancellationToken ct);

    /// <summary>The slice list of one chunk, oldest first (later entries cover earlier ones).</summary>
    Task<IReadOnlyList<ChunkSlice>> ReadChunkAsync(ulong inode, uint chunkIndex, CancellationToken ct);

    /// <summary>A new slice id, never handed out before (allocated from the store in batches).</summary>
    Task<ulong> NewSliceIdAsync(CancellationToken ct);

    /// <summary>Appends a slice at <paramref name="position"/> of a chunk, extends the length if it ends past it, sets mtime/ctime.</summary>
    Task<InodeAttributes> WriteAsync(ulong inode, uint chunkIndex, uint position, Slice slice, long mtimeNs, CancellationToken ct);

    Task<FileSystemStatistics> StatisticsAsync(CancellationToken ct);

    /// <summary>ENODATA if the attribute does not exist.</summary>
    Task<byte[]> GetExtendedAttributeAsync(ulong inode, string name, CancellationToken ct);

    Task SetExtendedAttributeAsync(ulong inode, string name, ReadOnlyMemory<byte> value, XattrFlags flags, CancellationToken ct);

    Task<IReadOnlyList<string>> ListExtendedAttributesAsync(ulong inode, CancellationToken ct);

    Task RemoveExtendedAttributeAsync(ulong inode, string name, CancellationToken ct);

    /// <summary>
    /// Replaces <paramref name="replaced"/> — which must still be the first entries of the chunk's list — by
    /// <paramref name="merged"/>, placed at the smallest position of the replaced entries and covering up to their
    /// largest end (its Length must be that span). The replaced slices go to the deleted-slice queue.
    /// False if the chunk no longer starts with <paramref name="replaced"/> (it changed meanwhile); then nothing changed.
    /// </summary>
    Task<bool> CompactChunkAsync(ulong inode, uint chunkIndex, IReadOnlyList<ChunkSlice> replaced, Slice merged, CancellationToken ct);

    /// <summary>Slices no file references any more (truncated, unlinked, overwritten, compacted): their objects may be deleted.</summary>
    Task<IReadOnlyList<Slice>> ListDeletedSlicesAsync(int limit, CancellationToken ct);

    /// <summary>Forgets deleted slices after their objects were deleted from the store.</summary>
    Task ForgetDeletedSlicesAsync(IReadOnlyList<Slice> slices, CancellationToken ct);
}
