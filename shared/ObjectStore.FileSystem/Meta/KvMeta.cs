using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ObjectStore.FileSystem.Meta.Kv;

namespace ObjectStore.FileSystem.Meta;

/// <summary>
/// The namespace over a transactional key-value store (JuiceFS's tkv design): written once, run on any engine —
/// <see cref="MemoryKv"/> in unit tests, <see cref="EtcdKv"/> for real. Each operation family lives in its own
/// file (KvMeta.Lookup.cs, KvMeta.MakeRemove.cs, KvMeta.Rename.cs, ...); this file holds the transaction runner.
/// </summary>
public sealed partial class KvMeta : IFileSystemMeta
{
    private readonly ITransactionalKv _kv;
    private readonly FileSystemMetaOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<KvMeta> _logger;
    private readonly Keys _keys;
    private readonly ConcurrentDictionary<ulong, int> _opens = new();
    private readonly ConcurrentDictionary<ulong, byte> _sustained = new();
    private readonly IdPool _inodeIds;
    private readonly IdPool _sliceIds;
    private readonly InodeLocks _locks = new();
    private readonly GroupCommitter _committer;
    private readonly GroupReader _reader;

    public KvMeta(ITransactionalKv kv, FileSystemMetaOptions options, TimeProvider time, ILogger<KvMeta> logger)
    {
        ArgumentNullException.ThrowIfNull(kv);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Volume);
        _kv = kv;
        _options = options;
        _time = time;
        _logger = logger;
        _keys = new Keys(options.Volume);
        _inodeIds = new IdPool(CounterNames.NextInode, options.InodeBatchSize);
        _sliceIds = new IdPool(CounterNames.NextSlice, options.SliceBatchSize);
        _committer = new GroupCommitter(kv, options.MaxCommitsPerGroup, options.OperationTimeout, logger);
        _reader = new GroupReader(kv, options.MaxCommitsPerGroup > 1, options.OperationTimeout);
    }

    /// <summary>How this client's commits were grouped so far (for tests and diagnostics).</summary>
    internal GroupCommitter Committer => _committer;

    /// <summary>How this client's point reads were grouped so far.</summary>
    internal GroupReader Reader => _reader;

    /// <summary>
    /// Whether an entry change must write the directory's record: always when its link count changes, else only
    /// when its times are older than <see cref="FileSystemMetaOptions.DirectoryTimesResolution"/>. Skipping is safe
    /// for rmdir's emptiness check, which compares the entry range itself.
    /// </summary>
    private bool DirectoryTimesStale(InodeAttributes directory, long now) =>
        now - directory.MtimeNs >= _options.DirectoryTimesResolution.Ticks * 100 || now < directory.MtimeNs;

    private long NowNs() => (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;

    /// <summary>Bytes an inode counts for in the volume's usage: its length rounded up to 4 KiB, at least 4 KiB (as JuiceFS counts).</summary>
    private static long SpaceOf(InodeAttributes attributes) =>
        attributes.Type == InodeType.File && attributes.Length > 0 ? (long)((attributes.Length + 4095) & ~4095UL) : 4096;

    /// <summary>A directory's attributes and one of its entries, in one round trip; ENOENT/ENOTDIR for the directory.</summary>
    private async Task<(InodeAttributes Directory, (InodeType Type, ulong Inode)? Entry)> LoadDirectoryEntryAsync(MetaTransaction txn, ulong parent, string name, CancellationToken ct)
    {
        var values = await txn.GetManyAsync([_keys.Attributes(parent), _keys.DirectoryEntry(parent, name)], ct);
        if (values[0] is not { } parentValue) throw MetaErrors.NoInode(parent);
        var directory = AttributeCodec.Decode(parentValue);
        if (directory.Type != InodeType.Directory) throw MetaErrors.NotDirectory(parent);
        return (directory, values[1] is { } entry ? DirectoryEntryCodec.Decode(entry) : null);
    }

    /// <summary>
    /// Runs <paramref name="body"/> as one transaction (committed with concurrent ones in a group, see <see cref="GroupCommitter"/>): retried from scratch when another writer changed what it read,
    /// or while the store is unreachable, all within <see cref="FileSystemMetaOptions.OperationTimeout"/>; past the
    /// bound the answer is EIO. A body that only reads commits nothing. A commit answered as failed whose witness
    /// shows it landed (the client retried an RPC that had been applied) counts as done, so nothing is applied twice.
    /// </summary>
    private async Task<T> RunAsync<T>(Func<MetaTransaction, CancellationToken, Task<T>> body, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(_options.OperationTimeout);
        var token = bounded.Token;
        Exception? lastFailure = null;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var transaction = new MetaTransaction(_kv, _keys, _reader);
                    var result = await body(transaction, token);
                    if (transaction.HasWrites)
                    {
                        var request = transaction.Build(_kv.MaxOperationsPerTransaction);
                        NoteNamesPut(transaction.Writes);
                        var outcome = await _committer.CommitAsync(request, token);
                        transaction.CommittedRevision = outcome.Succeeded ? outcome.Revision : outcome.Witness?.ModRevision ?? 0;
                        if (!outcome.Succeeded && !transaction.Landed(request, outcome.Witness))
                        {
                            if (attempt >= _options.MaxTransactionAttempts) throw MetaErrors.TooManyConflicts(attempt);
                            // Jittered, growing backoff: writers that keep colliding spread out instead of colliding again.
                            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 2 + Math.Min(1 << Math.Min(attempt, 8), 200))), token);
                            continue;
                        }
                    }
                    if (transaction.HasWrites)
                    {
                        ForgetWrittenInodes(transaction.Writes);
                        ForgetListedInodes(transaction.Writes);
                        NoteNamesDeleted(transaction.Writes);
                    }
                    Interlocked.Add(ref _usedBytesDelta, transaction.UsedBytesDelta);
                    Interlocked.Add(ref _inodesDelta, transaction.InodesDelta);
                    transaction.RunAfterCommit();
                    return result;
                }
                catch (KvUnavailableException e)
                {
                    lastFailure = e;
                    if (attempt == 1) LogStoreUnavailable(e.Message);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 25 << Math.Min(attempt, 6))), token);
                }
                catch (KvRequestException e)
                {
                    throw MetaErrors.StoreRefused(e);
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw MetaErrors.TimedOut(_options.OperationTimeout, lastFailure);
        }
    }

    /// <summary>Ids handed out from a batch taken from a shared counter (one transaction per batch, not per id).</summary>
    private sealed class IdPool(string counter, int batchSize)
    {
        public string Counter { get; } = counter;
        public int BatchSize { get; } = batchSize;
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public ulong Next { get; set; }
        public ulong End { get; set; }
    }

    private static class CounterNames
    {
        public const string NextInode = "nextInode";
        public const string NextSlice = "nextSlice";
        public const string UsedSpace = "usedSpace";
        public const string TotalInodes = "totalInodes";
    }
}
