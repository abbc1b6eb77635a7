using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Tests.Data;

/// <summary>
/// The data half of <see cref="IFileSystemMeta"/> (files, chunk slice lists, slice ids, truncate, compaction, the
/// deleted-slice queue) in memory, with JuiceFS's semantics, for testing the data layer on its own. Namespace methods
/// are not supported.
/// </summary>
internal sealed class SliceListMeta : IFileSystemMeta
{
    private readonly object _sync = new();
    private readonly Dictionary<ulong, FileState> _files = [];
    private readonly List<Slice> _deleted = [];
    private ulong _nextSlice = 1;
    private ulong _nextInode = 100;

    /// <summary>Makes the next WriteAsync calls throw this (then it is cleared).</summary>
    public FileSystemException? FailNextWrite { get; set; }

    /// <summary>Makes CompactChunkAsync answer false (the chunk "changed meanwhile").</summary>
    public bool RefuseCompaction { get; set; }

    public int Writes { get; private set; }

    public InodeAttributes NewFile()
    {
        lock (_sync)
        {
            var inode = _nextInode++;
            _files[inode] = new FileState(inode);
            return Attributes(_files[inode]);
        }
    }

    public ulong LastInode
    {
        get
        {
            lock (_sync)
            {
                return _nextInode - 1;
            }
        }
    }

    public IReadOnlyList<ChunkSlice> Chunk(ulong inode, uint chunk)
    {
        lock (_sync)
        {
            return _files[inode].Chunks.TryGetValue(chunk, out var list) ? [.. list] : [];
        }
    }

    /// <summary>Ids of slices some file references.</summary>
    public HashSet<ulong> Referenced()
    {
        lock (_sync)
        {
            return [.. _files.Values.SelectMany(f => f.Chunks.Values).SelectMany(l => l).Where(s => s.Slice.Id != 0).Select(s => s.Slice.Id)];
        }
    }

    public IReadOnlyList<Slice> DeletedQueue()
    {
        lock (_sync)
        {
            return [.. _deleted];
        }
    }

    public Task<InodeAttributes> GetAttributesAsync(ulong inode, CancellationToken ct)
    {
        lock (_sync)
        {
            return Task.FromResult(Attributes(File(inode)));
        }
    }

    public Task<InodeAttributes> OpenAsync(ulong inode, CancellationToken ct) => GetAttributesAsync(inode, ct);

    public void OpenCreated(ulong inode)
    {
    }

    public InodeAttributes? RecentAttributes(ulong inode) => null;

    public Task<IReadOnlyList<ChunkSlice>> ReadChunkAsync(ulong inode, uint chunkIndex, CancellationToken ct)
    {
        lock (_sync)
        {
            IReadOnlyList<ChunkSlice> list = File(inode).Chunks.TryGetValue(chunkIndex, out var slices) ? [.. slices] : [];
            return Task.FromResult(list);
        }
    }

    public Task<ulong> NewSliceIdAsync(CancellationToken ct)
    {
        lock (_sync)
        {
            return Task.FromResult(_nextSlice++);
        }
    }

    public Task<InodeAttributes> WriteAsync(ulong inode, uint chunkIndex, uint position, Slice slice, long mtimeNs, CancellationToken ct)
    {
        lock (_sync)
        {
            if (FailNextWrite is { } failure)
            {
                FailNextWrite = null;
                throw failure;
            }

            Assert.True(slice.Id != 0 && position + slice.Length <= FileLayout.ChunkSize && slice.Offset + slice.Length <= slice.Size, $"bad slice {slice} at {position}");
            var file = File(inode);
            if (!file.Chunks.TryGetValue(chunkIndex, out var list))
            {
                file.Chunks[chunkIndex] = list = [];
            }

            list.Add(new ChunkSlice(position, slice));
            file.Length = Math.Max(file.Length, ((ulong)chunkIndex * FileLayout.ChunkSize) + position + slice.Length);
            file.MtimeNs = mtimeNs;
            Writes++;
            return Task.FromResult(Attributes(file));
        }
    }

    public Task<InodeAttributes> TruncateAsync(ulong inode, ulong length, CancellationToken ct)
    {
        lock (_sync)
        {
            var file = File(inode);
            foreach (var (index, list) in file.Chunks.ToList())
            {
                var chunkStart = (ulong)index * FileLayout.ChunkSize;
                if (chunkStart >= length)
                {
                    _deleted.AddRange(list.Where(s => s.Slice.Id != 0).Select(s => s.Slice));
                    file.Chunks.Remove(index);
                }
                else if (length < chunkStart + FileLayout.ChunkSize)
                {
                    var from = (uint)(length - chunkStart);
                    list.Add(new ChunkSlice(from, new Slice(0, FileLayout.ChunkSize - from, 0, FileLayout.ChunkSize - from)));
                }
            }

            file.Length = length;
            return Task.FromResult(Attributes(file));
        }
    }

    public Task<bool> CompactChunkAsync(ulong inode, uint chunkIndex, IReadOnlyList<ChunkSlice> replaced, Slice merged, CancellationToken ct)
    {
        lock (_sync)
        {
            var file = File(inode);
            if (RefuseCompaction || !file.Chunks.TryGetValue(chunkIndex, out var list) || list.Count < replaced.Count || !list.Take(replaced.Count).SequenceEqual(replaced))
            {
                return Task.FromResult(false);
            }

            var start = replaced.Min(s => s.Position);
            Assert.Equal(replaced.Max(s => s.End) - start, merged.Length);
            list.RemoveRange(0, replaced.Count);
            list.Insert(0, new ChunkSlice(start, merged));
            _deleted.AddRange(replaced.Where(s => s.Slice.Id != 0).Select(s => s.Slice));
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<Slice>> ListDeletedSlicesAsync(int limit, CancellationToken ct)
    {
        lock (_sync)
        {
            IReadOnlyList<Slice> page = [.. _deleted.Take(limit)];
            return Task.FromResult(page);
        }
    }

    public Task ForgetDeletedSlicesAsync(IReadOnlyList<Slice> slices, CancellationToken ct)
    {
        lock (_sync)
        {
            foreach (var slice in slices)
            {
                _deleted.Remove(slice);
            }
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private FileState File(ulong inode) =>
        _files.TryGetValue(inode, out var file) ? file : throw new FileSystemException(Errno.ENOENT, $"no inode {inode}");

    private static InodeAttributes Attributes(FileState file) =>
        new(InodeType.File, 0x1A4, 0, 0, 1, file.Length, 0, 0, file.MtimeNs, file.MtimeNs, 1);

    private sealed class FileState(ulong inode)
    {
        public ulong Inode { get; } = inode;

        public ulong Length { get; set; }

        public long MtimeNs { get; set; }

        public Dictionary<uint, List<ChunkSlice>> Chunks { get; } = [];
    }

    public Task StartSessionAsync(CancellationToken ct) => throw new NotSupportedException();
    public Task CloseSessionAsync(CancellationToken ct) => throw new NotSupportedException();
    public Task<Entry> LookupAsync(ulong parent, string name, CancellationToken ct) => throw new NotSupportedException();
    public Task<InodeAttributes> SetAttributesAsync(ulong inode, SetAttributes changes, CancellationToken ct) => throw new NotSupportedException();
    public Task<Entry> MakeNodeAsync(ulong parent, string name, InodeType type, uint mode, uint uid, uint gid, uint rdev, CancellationToken ct) => throw new NotSupportedException();
    public Task<Entry> MakeDirectoryAsync(ulong parent, string name, uint mode, uint uid, uint gid, CancellationToken ct) => throw new NotSupportedException();
    public Task<Entry> SymlinkAsync(ulong parent, string name, string target, uint uid, uint gid, CancellationToken ct) => throw new NotSupportedException();
    public Task<string> ReadLinkAsync(ulong inode, CancellationToken ct) => throw new NotSupportedException();
    public Task UnlinkAsync(ulong parent, string name, CancellationToken ct) => throw new NotSupportedException();
    public Task RemoveDirectoryAsync(ulong parent, string name, CancellationToken ct) => throw new NotSupportedException();
    public Task RenameAsync(ulong parent, string name, ulong newParent, string newName, RenameFlags flags, CancellationToken ct) => throw new NotSupportedException();
    public Task<Entry> LinkAsync(ulong inode, ulong newParent, string newName, CancellationToken ct) => throw new NotSupportedException();
    public Task<DirectoryPage> ReadDirectoryAsync(ulong inode, string? after, int limit, bool plus, CancellationToken ct) => throw new NotSupportedException();
    public Task ReleaseAsync(ulong inode, CancellationToken ct) => throw new NotSupportedException();
    public Task<FileSystemStatistics> StatisticsAsync(CancellationToken ct) => throw new NotSupportedException();
    public Task<byte[]> GetExtendedAttributeAsync(ulong inode, string name, CancellationToken ct) => throw new NotSupportedException();
    public Task SetExtendedAttributeAsync(ulong inode, string name, ReadOnlyMemory<byte> value, XattrFlags flags, CancellationToken ct) => throw new NotSupportedException();
    public Task<IReadOnlyList<string>> ListExtendedAttributesAsync(ulong inode, CancellationToken ct) => throw new NotSupportedException();
    public Task RemoveExtendedAttributeAsync(ulong inode, string name, CancellationToken ct) => throw new NotSupportedException();
}
