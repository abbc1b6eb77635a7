using System.Buffers;
using Microsoft.Extensions.Logging;
using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Data;

/// <summary>
/// Blocks read from the store, kept in memory up to a byte limit (least recently used evicted first), backed by an
/// optional <see cref="DiskBlockCache"/>. Concurrent readers of one block share one download; downloads (reads and
/// read-ahead together) are bounded in number. Small reads at random places fetch just their range instead of the block.
/// </summary>
internal sealed partial class BlockCache
{
    private readonly ISliceStore _store;
    private readonly DiskBlockCache? _disk;
    private readonly long _capacity;
    private readonly int _prefetchLimit;
    private readonly SemaphoreSlim _downloads;
    private readonly ILogger _logger;
    private readonly CancellationToken _shutdown;
    private readonly ArrayPool<byte> _pool = ArrayPool<byte>.Create(FileLayout.BlockSize, 64);
    private readonly object _sync = new();
    private readonly Dictionary<BlockKey, CachedBlock> _entries = [];
    private readonly LinkedList<CachedBlock> _recency = new();
    private readonly Dictionary<BlockKey, Fetch> _fetches = [];
    private long _bytes;
    private int _prefetches;
    private long _downloadsDone;
    private long _rangeReads;

    public BlockCache(ISliceStore store, DiskBlockCache? disk, long capacity, int downloadConcurrency, ILogger logger, CancellationToken shutdown)
    {
        _store = store;
        _disk = disk;
        _capacity = capacity;
        _prefetchLimit = downloadConcurrency;
        _downloads = new SemaphoreSlim(downloadConcurrency, downloadConcurrency);
        _logger = logger;
        _shutdown = shutdown;
    }

    /// <summary>Bytes of blocks held by the memory cache now.</summary>
    public long CachedBytes
    {
        get
        {
            lock (_sync)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Whole blocks fetched from the store or the disk cache so far.</summary>
    public long BlockFetches => Interlocked.Read(ref _downloadsDone);

    /// <summary>Ranged reads sent straight to the store so far.</summary>
    public long RangeReads => Interlocked.Read(ref _rangeReads);

    public bool Contains(BlockKey key)
    {
        lock (_sync)
        {
            return _entries.ContainsKey(key);
        }
    }

    /// <summary>
    /// Copies <c>destination.Length</c> bytes of the block from <paramref name="offset"/>. With <paramref name="wholeBlock"/>
    /// false and the block not cached anywhere, only that range is fetched (and not cached).
    /// </summary>
    public async ValueTask ReadAsync(BlockKey key, int blockLength, int offset, Memory<byte> destination, bool wholeBlock, CancellationToken ct)
    {
        CachedBlock? block;
        lock (_sync)
        {
            block = TryGetLocked(key);
        }

        if (block is null && !wholeBlock && _disk?.Contains(key) != true)
        {
            await _downloads.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await _store.ReadRangeAsync(key.SliceId, key.Block, offset, destination, ct).ConfigureAwait(false);
                Interlocked.Increment(ref _rangeReads);
                return;
            }
            finally
            {
                _downloads.Release();
            }
        }

        block ??= await GetAsync(key, blockLength, ct).ConfigureAwait(false);
        using var lease = Lease(block, offset, destination.Length);
        lease.Data.Span.CopyTo(destination.Span);
    }

    /// <summary>Bytes [offset, offset + length) of the block (fetched whole if need be), held until the lease is disposed: no copy.</summary>
    public async ValueTask<ReadLease> LeaseAsync(BlockKey key, int blockLength, int offset, int length, CancellationToken ct) =>
        Lease(await GetAsync(key, blockLength, ct).ConfigureAwait(false), offset, length);

    /// <summary>Takes over the caller's reference to <paramref name="block"/>; gives it back if the range is not in the block.</summary>
    private static ReadLease Lease(CachedBlock block, int offset, int length)
    {
        if (offset + length > block.Length)
        {
            block.Release();
            throw DataErrors.ShortBlock($"read of block {block.Key}", offset + length, block.Length);
        }

        return ReadLease.InBlock(block, offset, length);
    }

    /// <summary>Starts fetching a block into the cache unless it is there, on its way, or too many prefetches run already.</summary>
    public void Prefetch(BlockKey key, int blockLength)
    {
        lock (_sync)
        {
            if (_entries.ContainsKey(key) || _fetches.ContainsKey(key) || _prefetches >= _prefetchLimit)
            {
                return;
            }

            _prefetches++;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                var block = await GetAsync(key, blockLength, _shutdown).ConfigureAwait(false);
                block.Release();
            }
            catch (Exception e) when (e is not OperationCanceledException || !_shutdown.IsCancellationRequested)
            {
                LogPrefetchFailed(_logger, key.SliceId, key.Block, e.Message);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                lock (_sync)
                {
                    _prefetches--;
                }
            }
        });
    }

    /// <summary>The block with a reference taken for the caller (release it); fetched once however many ask at the same time.</summary>
    public async Task<CachedBlock> GetAsync(BlockKey key, int blockLength, CancellationToken ct)
    {
        Fetch? fetch;
        lock (_sync)
        {
            if (TryGetLocked(key) is { } cached)
            {
                return cached;
            }

            if (!_fetches.TryGetValue(key, out fetch))
            {
                fetch = new Fetch();
                _fetches[key] = fetch;
                var started = fetch;
                fetch.Task = Task.Run(() => FetchAsync(key, blockLength, started));
            }

            fetch.Waiters++;
        }

        try
        {
            // The fetch itself runs on the cache's own token: one reader giving up must not fail the others.
            return await fetch.Task!.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            lock (_sync)
            {
                if (fetch.Block is { } done)
                {
                    done.Release();
                }
                else
                {
                    fetch.Waiters--;
                }
            }

            throw;
        }
    }

    private async Task<CachedBlock> FetchAsync(BlockKey key, int length, Fetch fetch)
    {
        var buffer = _pool.Rent(length);
        var fromStore = false;
        try
        {
            await _downloads.WaitAsync(_shutdown).ConfigureAwait(false);
            try
            {
                if (_disk is null || !await _disk.TryReadAsync(key, buffer.AsMemory(0, length), _shutdown).ConfigureAwait(false))
                {
                    await _store.ReadBlockAsync(key.SliceId, key.Block, buffer.AsMemory(0, length), _shutdown).ConfigureAwait(false);
                    fromStore = true;
                }
            }
            finally
            {
                _downloads.Release();
            }
        }
        catch
        {
            lock (_sync)
            {
                _fetches.Remove(key);
            }

            _pool.Return(buffer);
            throw;
        }

        Interlocked.Increment(ref _downloadsDone);
        var block = new CachedBlock(key, buffer, length, _pool);
        lock (_sync)
        {
            _fetches.Remove(key);
            block.AddReferences(fetch.Waiters);
            fetch.Block = block;
            block.Node = _recency.AddFirst(block);
            _entries[key] = block;
            _bytes += length;
            EvictLocked();
        }

        if (fromStore)
        {
            _disk?.Store(block);
        }

        return block;
    }

    private CachedBlock? TryGetLocked(BlockKey key)
    {
        if (_entries.TryGetValue(key, out var block) && block.TryAcquire())
        {
            _recency.Remove(block.Node!);
            _recency.AddFirst(block.Node!);
            return block;
        }

        return null;
    }

    private void EvictLocked()
    {
        while (_bytes > _capacity && _recency.Last is { } last)
        {
            var block = last.Value;
            _recency.RemoveLast();
            _entries.Remove(block.Key);
            _bytes -= block.Length;
            block.Node = null;
            block.Release();
        }
    }

    /// <summary>A download in progress; readers that join it get a reference each when it completes.</summary>
    private sealed class Fetch
    {
        public Task<CachedBlock>? Task { get; set; }

        public int Waiters { get; set; }

        public CachedBlock? Block { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Read-ahead of block {Block} of slice {SliceId} failed: {Error}")]
    private static partial void LogPrefetchFailed(ILogger logger, ulong sliceId, int block, string error);
}
