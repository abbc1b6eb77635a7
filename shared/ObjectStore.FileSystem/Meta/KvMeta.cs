using Microsoft.Extensions.Logging;
using ObjectStore.FileSystem.Meta.Kv;

namespace ObjectStore.FileSystem.Meta;

/// <summary>The namespace over a transactional key-value store (JuiceFS's tkv design): one implementation, any engine.</summary>
public sealed partial class KvMeta(ITransactionalKv kv, FileSystemMetaOptions options, TimeProvider time, ILogger<KvMeta> logger) : IFileSystemMeta
{
    public Task StartSessionAsync(CancellationToken ct) => throw new NotImplementedException();
    public Task CloseSessionAsync(CancellationToken ct) => throw new NotImplementedException();
    public Task<Entry> LookupAsync(ulong parent, string name, CancellationToken ct) => throw new NotImplementedException();
    public Task<InodeAttributes> GetAttributesAsync(ulong inode, CancellationToken ct) => throw new NotImplementedException();
    public Task<InodeAttributes> SetAttributesAsync(ulong inode, SetAttributes changes, CancellationToken ct) => throw new NotImplementedException();
    public Task<InodeAttributes> TruncateAsync(ulong inode, ulong length, CancellationToken ct) => throw new NotImplementedException();
    public Task<Entry> MakeNodeAsync(ulong parent, string name, InodeType type, uint mode, uint uid, uint gid, uint rdev, CancellationToken ct) => throw new NotImplementedException();
    public Task<Entry> MakeDirectoryAsync(ulong parent, string name, uint mode, uint uid, uint gid, CancellationToken ct) => throw new NotImplementedException();
    public Task<Entry> SymlinkAsync(ulong parent, string name, string target, uint uid, uint gid, CancellationToken ct) => throw new NotImplementedException();
    public Task<string> ReadLinkAsync(ulong inode, CancellationToken ct) => throw new NotImplementedException();
    public Task UnlinkAsync(ulong parent, string name, CancellationToken ct) => throw new NotImplementedException();
    public Task RemoveDirectoryAsync(ulong parent, string name, CancellationToken ct) => throw new NotImplementedException();
    public Task RenameAsync(ulong parent, string name, ulong newParent, string newName, RenameFlags flags, CancellationToken ct) => throw new NotImplementedException();
    public Task<Entry> LinkAsync(ulong inode, ulong newParent, string newName, CancellationToken ct) => throw new NotImplementedException();
    public Task<DirectoryPage> ReadDirectoryAsync(ulong inode, string? after, int limit, bool plus, CancellationToken ct) => throw new NotImplementedException();
    public Task<InodeAttributes> OpenAsync(ulong inode, CancellationToken ct) => throw new NotImplementedException();
    public Task ReleaseAsync(ulong inode, CancellationToken ct) => throw new NotImplementedException();
    public Task<IReadOnlyList<ChunkSlice>> ReadChunkAsync(ulong inode, uint chunkIndex, CancellationToken ct) => throw new NotImplementedException();
    public Task<ulong> NewSliceIdAsync(CancellationToken ct) => throw new NotImplementedException();
    public Task<InodeAttributes> WriteAsync(ulong inode, uint chunkIndex, uint position, Slice slice, long mtimeNs, CancellationToken ct) => throw new NotImplementedException();
    public Task<FileSystemStatistics> StatisticsAsync(CancellationToken ct) => throw new NotImplementedException();
    public Task<byte[]> GetExtendedAttributeAsync(ulong inode, string name, CancellationToken ct) => throw new NotImplementedException();
    public Task SetExtendedAttributeAsync(ulong inode, string name, ReadOnlyMemory<byte> value, XattrFlags flags, CancellationToken ct) => throw new NotImplementedException();
    public Task<IReadOnlyList<string>> ListExtendedAttributesAsync(ulong inode, CancellationToken ct) => throw new NotImplementedException();
    public Task RemoveExtendedAttributeAsync(ulong inode, string name, CancellationToken ct) => throw new NotImplementedException();
    public Task<bool> CompactChunkAsync(ulong inode, uint chunkIndex, IReadOnlyList<ChunkSlice> replaced, Slice merged, CancellationToken ct) => throw new NotImplementedException();
    public Task<IReadOnlyList<Slice>> ListDeletedSlicesAsync(int limit, CancellationToken ct) => throw new NotImplementedException();
    public Task ForgetDeletedSlicesAsync(IReadOnlyList<Slice> slices, CancellationToken ct) => throw new NotImplementedException();
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    internal ITransactionalKv Kv => kv; internal FileSystemMetaOptions Options => options; internal TimeProvider Time => time; internal ILogger Logger => logger;
}
