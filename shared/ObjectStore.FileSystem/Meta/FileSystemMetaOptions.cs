namespace ObjectStore.FileSystem.Meta;

/// <summary>Settings of the namespace, bound from the <c>FileSystem</c> section; <c>EtcdEndpoints</c> is the top-level setting.</summary>
public sealed class FileSystemMetaOptions
{
    public const string Section = "FileSystem";

    /// <summary>Name of the volume; its keys live under <c>fs/{Volume}/</c>. Default <c>default</c>.</summary>
    public string Volume { get; set; } = "default";

    /// <summary>Comma-separated etcd client URLs (<c>http://127.0.0.1:2379,...</c>). Required for the etcd engine.</summary>
    public string EtcdEndpoints { get; set; } = string.Empty;

    /// <summary>Inode ids taken from the shared counter at a time, so a create is one transaction. Default 1000.</summary>
    public int InodeBatchSize { get; set; } = 1000;

    /// <summary>Slice ids taken from the shared counter at a time. Default 1000.</summary>
    public int SliceBatchSize { get; set; } = 1000;

    /// <summary>Bound on one namespace operation including its retries against an unreachable store; past it the answer is EIO. Default 10 s.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Lease of a session: a mount silent this long is dead and its leftovers are cleaned by the next session that starts. Default 30 s.</summary>
    public TimeSpan SessionTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts of a transaction that keeps losing races to other writers before it gives up with EIO. Default 100.</summary>
    public int MaxTransactionAttempts { get; set; } = 100;

    /// <summary>
    /// How long a slice stays in the deleted-slice queue before <see cref="IFileSystemMeta.ListDeletedSlicesAsync"/>
    /// offers it for deletion, so that a reader that fetched a chunk's slice list just before a compaction or truncate
    /// can still read the objects. Default 2 minutes.
    /// </summary>
    public TimeSpan DeletedSliceGracePeriod { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A create, unlink or link leaves its directory's mtime/ctime alone if they were set less than this long ago
    /// (JuiceFS's skip-dir-mtime): then creates of files in one directory write disjoint keys and do not contend
    /// on the directory's record. Zero: always update (strict POSIX). Default 100 ms.
    /// </summary>
    public TimeSpan DirectoryTimesResolution { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Concurrent namespace changes committed together in one store transaction at most (while one group is in flight
    /// the next gathers; each group also stays under the store's 128 operations). Concurrent point reads are grouped the
    /// same way. 1: every change and every read alone. Default 64.
    /// </summary>
    public int MaxCommitsPerGroup { get; set; } = 64;

    /// <summary>
    /// How long a directory this client has just read or written (a lookup in it, a create) may be used without reading
    /// it again: by a create, which then compares that the name is free and the directory is the same (or, to update its
    /// times, unchanged) in its one transaction, and for the directory's getattr. Bounds how late a chmod/chown of the
    /// directory by another client is seen there, like the kernel's attribute cache: keep it at most the mount's
    /// attribute timeout. Zero: always read. Default 1 s.
    /// </summary>
    public TimeSpan DirectoryCacheTime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long what a readdirplus page loaded about its entries answers for them: a getxattr or listxattr of an entry
    /// found without extended attributes is answered "none" without a store read (`ls -l` asks two per entry). Bounds how
    /// late an extended attribute set by another client is seen here: keep it at most the mount's attribute timeout,
    /// as the kernel caches the attributes the same page carried that long. Zero: always read. Default 1 s.
    /// </summary>
    public TimeSpan ListingCacheTime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How old this client's knowledge of every name in a directory it made may be when a lookup of a name it does not
    /// know answers ENOENT without a store read (the kernel looks each name up before it creates it: in a directory
    /// being filled, every one of those lookups would be a read that finds nothing). Its own changes keep the knowledge
    /// current; other clients' are read (one read of the names changed since) once it is older than this. Bounds how
    /// late a name another client creates in such a directory is seen here, as the kernel's attribute cache bounds how
    /// late its changes to a file are: keep it at most the mount's entry timeout. Zero: every lookup reads. Default 1 s.
    /// </summary>
    public TimeSpan AbsentNameCacheTime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often used-space and inode deltas are added to the shared counters. Default 1 s.</summary>
    public TimeSpan StatisticsFlushInterval { get; set; } = TimeSpan.FromSeconds(1);
}
