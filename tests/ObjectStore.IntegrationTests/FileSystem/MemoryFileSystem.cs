using System.Collections.Concurrent;
using ObjectStore.Fuse;

namespace ObjectStore.IntegrationTests.FileSystem;

/// <summary>
/// A small file system in memory, enough to prove the FUSE binding end to end (lookup, attributes, create, read, write,
/// readdir, unlink, rename, statfs) without the real namespace and data layers.
/// </summary>
internal sealed class MemoryFileSystem : ILowLevelFileSystem
{
    private readonly ConcurrentDictionary<ulong, Node> _nodes = new();
    private long _nextInode = 1;

    public MemoryFileSystem()
    {
        var root = NewNode(FileModes.Directory | 0x1ED /* 0755 */, 0, 0);
        root.Parent = root.Inode;
    }

    /// <summary>Requests answered, per operation name: lets a test see which path the kernel took.</summary>
    public ConcurrentDictionary<string, int> Calls { get; } = new();

    /// <summary>The largest read request the kernel has sent: shows the read-ahead it works with.</summary>
    public int LargestRead => Volatile.Read(ref _largestRead);

    private int _largestRead;

    private sealed class Node(ulong inode, uint mode, uint uid, uint gid)
    {
        public ulong Inode { get; } = inode;

        public uint Mode { get; set; } = mode;

        public uint Uid { get; } = uid;

        public uint Gid { get; } = gid;

        public ulong Parent { get; set; }

        public uint Links { get; set; } = 1;

        public byte[] Data { get; set; } = [];

        public SortedDictionary<string, ulong> Children { get; } = new(StringComparer.Ordinal);

        public long MtimeNs { get; set; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

        public bool IsDirectory => (Mode & FileModes.TypeMask) == FileModes.Directory;
    }

    public ValueTask<FuseAttributes> LookupAsync(FuseContext context, ulong parent, string name, CancellationToken cancellationToken)
    {
        Count("lookup");
        lock (_nodes)
        {
            var directory = Directory(parent);
            return ValueTask.FromResult(directory.Children.TryGetValue(name, out var inode)
                ? Attributes(_nodes[inode])
                : throw new FuseException(FuseErrno.ENOENT, name));
        }
    }

    public void Forget(ulong inode, ulong lookups) => Count("forget");

    public ValueTask<FuseAttributes> GetAttributesAsync(FuseContext context, ulong inode, ulong? handle, CancellationToken cancellationToken)
    {
        Count("getattr");
        lock (_nodes)
        {
            return ValueTask.FromResult(Attributes(Get(inode)));
        }
    }

    public ValueTask<FuseAttributes> SetAttributesAsync(FuseContext context, ulong inode, FuseSetAttributes changes, ulong? handle, CancellationToken cancellationToken)
    {
        Count("setattr");
        lock (_nodes)
        {
            var node = Get(inode);
            if (changes.Mode is { } mode)
            {
                node.Mode = (node.Mode & FileModes.TypeMask) | (mode & 0xFFF);
            }

            if (changes.Size is { } size)
            {
                var data = node.Data;
                Array.Resize(ref data, checked((int)size));
                node.Data = data;
            }

            return ValueTask.FromResult(Attributes(node));
        }
    }

    public ValueTask<string> ReadLinkAsync(FuseContext context, ulong inode, CancellationToken cancellationToken) =>
        throw new FuseException(FuseErrno.ENOSYS, "readlink");

    public ValueTask<FuseAttributes> MakeNodeAsync(FuseContext context, ulong parent, string name, uint mode, uint rdev, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Add(context, parent, name, mode));

    public ValueTask<FuseAttributes> MakeDirectoryAsync(FuseContext context, ulong parent, string name, uint mode, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Add(context, parent, name, FileModes.Directory | (mode & 0xFFF)));

    public ValueTask UnlinkAsync(FuseContext context, ulong parent, string name, CancellationToken cancellationToken)
    {
        Count("unlink");
        lock (_nodes)
        {
            var directory = Directory(parent);
            if (!directory.Children.Remove(name))
            {
                throw new FuseException(FuseErrno.ENOENT, name);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveDirectoryAsync(FuseContext context, ulong parent, string name, CancellationToken cancellationToken)
    {
        Count("rmdir");
        lock (_nodes)
        {
            var directory = Directory(parent);
            var child = directory.Children.TryGetValue(name, out var inode) ? _nodes[inode] : throw new FuseException(FuseErrno.ENOENT, name);
            if (child.Children.Count > 0)
            {
                throw new FuseException(FuseErrno.ENOTEMPTY, name);
            }

            directory.Children.Remove(name);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<FuseAttributes> SymlinkAsync(FuseContext context, string target, ulong parent, string name, CancellationToken cancellationToken) =>
        throw new FuseException(FuseErrno.ENOSYS, "symlink");

    public ValueTask RenameAsync(FuseContext context, ulong parent, string name, ulong newParent, string newName, uint flags, CancellationToken cancellationToken)
    {
        Count("rename");
        lock (_nodes)
        {
            var from = Directory(parent);
            var to = Directory(newParent);
            var inode = from.Children.TryGetValue(name, out var i) ? i : throw new FuseException(FuseErrno.ENOENT, name);
            from.Children.Remove(name);
            to.Children[newName] = inode;
            _nodes[inode].Parent = newParent;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<FuseAttributes> LinkAsync(FuseContext context, ulong inode, ulong newParent, string newName, CancellationToken cancellationToken) =>
        throw new FuseException(FuseErrno.ENOSYS, "link");

    public ValueTask<FuseOpenResult> OpenAsync(FuseContext context, ulong inode, int flags, CancellationToken cancellationToken)
    {
        Count("open");
        return ValueTask.FromResult(new FuseOpenResult(inode));
    }

    public async ValueTask<int> ReadAsync(FuseContext context, ulong inode, ulong handle, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        Count("read");
        for (var seen = Volatile.Read(ref _largestRead); destination.Length > seen; seen = Volatile.Read(ref _largestRead))
        {
            Interlocked.CompareExchange(ref _largestRead, destination.Length, seen);
        }

        await Task.Yield(); // answer from another thread than libfuse's, as the real file system does
        lock (_nodes)
        {
            var data = Get(inode).Data;
            if (offset >= data.Length)
            {
                return 0;
            }

            var count = (int)Math.Min(destination.Length, data.Length - offset);
            data.AsSpan((int)offset, count).CopyTo(destination.Span);
            return count;
        }
    }

    public async ValueTask<int> WriteAsync(FuseContext context, ulong inode, ulong handle, long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        Count("write");
        await Task.Yield();
        lock (_nodes)
        {
            var node = Get(inode);
            var contents = node.Data;
            if (offset + data.Length > contents.Length)
            {
                Array.Resize(ref contents, checked((int)(offset + data.Length)));
            }

            data.Span.CopyTo(contents.AsSpan((int)offset));
            node.Data = contents;
            return data.Length;
        }
    }

    public ValueTask FlushAsync(FuseContext context, ulong inode, ulong handle, CancellationToken cancellationToken)
    {
        Count("flush");
        return ValueTask.CompletedTask;
    }

    public ValueTask ReleaseAsync(FuseContext context, ulong inode, ulong handle, int flags, CancellationToken cancellationToken)
    {
        Count("release");
        return ValueTask.CompletedTask;
    }

    public ValueTask FsyncAsync(FuseContext context, ulong inode, ulong handle, bool dataOnly, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<FuseOpenResult> OpenDirectoryAsync(FuseContext context, ulong inode, int flags, CancellationToken cancellationToken)
    {
        lock (_nodes)
        {
            Directory(inode);
        }

        return ValueTask.FromResult(new FuseOpenResult(inode));
    }

    public ValueTask ReadDirectoryAsync(FuseContext context, ulong inode, ulong handle, long offset, FuseDirectoryBuffer buffer, CancellationToken cancellationToken)
    {
        Count(buffer.Plus ? "readdirplus" : "readdir");
        lock (_nodes)
        {
            // Offsets are positions in the sorted list; a test directory does not change while it is listed.
            var directory = Directory(inode);
            var entries = directory.Children.ToList();
            for (var i = (int)offset; i < entries.Count; i++)
            {
                if (!buffer.TryAdd(entries[i].Key, Attributes(_nodes[entries[i].Value]), i + 1))
                {
                    break;
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask ReleaseDirectoryAsync(FuseContext context, ulong inode, ulong handle, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask<FuseStatistics> StatFsAsync(FuseContext context, ulong inode, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new FuseStatistics(4096, 1000, 600, 500, 100, 90, 255));

    public ValueTask SetExtendedAttributeAsync(FuseContext context, ulong inode, string name, ReadOnlyMemory<byte> value, int flags, CancellationToken cancellationToken) =>
        throw new FuseException(FuseErrno.ENOTSUP, "xattr");

    public ValueTask<byte[]> GetExtendedAttributeAsync(FuseContext context, ulong inode, string name, CancellationToken cancellationToken) =>
        throw new FuseException(FuseErrno.ENODATA, "xattr");

    public ValueTask<IReadOnlyList<string>> ListExtendedAttributesAsync(FuseContext context, ulong inode, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<string>>([]);

    public ValueTask RemoveExtendedAttributeAsync(FuseContext context, ulong inode, string name, CancellationToken cancellationToken) =>
        throw new FuseException(FuseErrno.ENODATA, "xattr");

    public ValueTask<FuseCreateResult> CreateAsync(FuseContext context, ulong parent, string name, uint mode, int flags, CancellationToken cancellationToken)
    {
        Count("create");
        var attributes = Add(context, parent, name, mode);
        return ValueTask.FromResult(new FuseCreateResult(attributes, new FuseOpenResult(attributes.Inode)));
    }

    private FuseAttributes Add(FuseContext context, ulong parent, string name, uint mode)
    {
        lock (_nodes)
        {
            var directory = Directory(parent);
            if (directory.Children.ContainsKey(name))
            {
                throw new FuseException(FuseErrno.EEXIST, name);
            }

            var node = NewNode(mode, context.Uid, context.Gid);
            node.Parent = parent;
            directory.Children[name] = node.Inode;
            return Attributes(node);
        }
    }

    private Node NewNode(uint mode, uint uid, uint gid)
    {
        var node = new Node((ulong)Interlocked.Increment(ref _nextInode) - 1, mode, uid, gid);
        _nodes[node.Inode] = node;
        return node;
    }

    private Node Get(ulong inode) => _nodes.TryGetValue(inode, out var node) ? node : throw new FuseException(FuseErrno.ENOENT, $"inode {inode}");

    private Node Directory(ulong inode)
    {
        var node = Get(inode);
        return node.IsDirectory ? node : throw new FuseException(FuseErrno.ENOTDIR, $"inode {inode}");
    }

    private FuseAttributes Attributes(Node node) => new(
        node.Inode, node.Mode, node.IsDirectory ? 2u : node.Links, node.Uid, node.Gid, 0, (ulong)node.Data.Length,
        node.MtimeNs, node.MtimeNs, node.MtimeNs);

    private void Count(string operation) => Calls.AddOrUpdate(operation, 1, (_, n) => n + 1);
}
