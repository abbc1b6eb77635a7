using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Data;

/// <summary>
/// File contents for one mount: opens files for reading and writing through bounded write-back buffers, a block
/// cache and read-ahead; compacts fragmented chunks in the background; deletes the objects of slices that no file
/// references any more (<see cref="CollectDeletedSlicesAsync"/>, the body of a timer). Data objects are always
/// stored before the namespace transaction that makes them reachable, and deleted only after it made them unreachable.
/// </summary>
public sealed partial class FileData : IAsyncDisposable
{
    private const int ReliefIdle = 0;
    private const int ReliefRunning = 1;
    private const int ReliefRunningAndAskedAgain = 2;

    private readonly object _sync = new();
    private readonly Dictionary<ulong, OpenFile> _files = [];
    private readonly CancellationTokenSource _shutdown = new();
    private readonly HttpClient? _ownedHttp;
    private readonly ChunkCompactor _compactor;
    private readonly SliceCollector _collector;
    private int _relief;

    public FileData(IFileSystemMeta meta, ISliceStore store, IOptions<FileDataOptions> options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
        : this(meta, store, options.Value, loggerFactory ?? NullLoggerFactory.Instance, time ?? TimeProvider.System, null)
    {
    }

    private FileData(IFileSystemMeta meta, ISliceStore store, FileDataOptions options, ILoggerFactory loggerFactory, TimeProvider time, HttpClient? ownedHttp)
    {
        options.Validate(requireApi: false);
        Meta = meta;
        Store = store;
        Options = options;
        Time = time;
        Logger = loggerFactory.CreateLogger<FileData>();
        _ownedHttp = ownedHttp;
        Budget = new WriteBudget(options.WriteBufferBytes, time);
        Budget.Pressure += RelievePressure;
        UploadSlots = new SemaphoreSlim(options.UploadConcurrency, options.UploadConcurrency);
        var disk = string.IsNullOrEmpty(options.CacheDirectory) || options.CacheBytes == 0
            ? null
            : new DiskBlockCache(Path.Combine(options.CacheDirectory, options.Volume), options.CacheBytes, loggerFactory.CreateLogger<DiskBlockCache>());
        Disk = disk;
        Blocks = new BlockCache(store, disk, options.MemoryCacheBytes, options.DownloadConcurrency, loggerFactory.CreateLogger<BlockCache>(), _shutdown.Token);
        _compactor = new ChunkCompactor(this, loggerFactory.CreateLogger<ChunkCompactor>());
        _collector = new SliceCollector(this, loggerFactory.CreateLogger<SliceCollector>());
    }

    /// <summary>A FileData that stores slices through the Api at <see cref="FileDataOptions.ApiEndpoint"/>, on its own pooled HttpClient.</summary>
    public static FileData Create(IFileSystemMeta meta, IOptions<FileDataOptions> options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        options.Value.Validate(requireApi: true);
        loggerFactory ??= NullLoggerFactory.Instance;
        time ??= TimeProvider.System;
        var http = HttpSliceStore.CreateHttpClient(options.Value);
        var store = new HttpSliceStore(http, options, loggerFactory.CreateLogger<HttpSliceStore>(), time);
        return new FileData(meta, store, options.Value, loggerFactory, time, http);
    }

    internal IFileSystemMeta Meta { get; }

    internal ISliceStore Store { get; }

    internal FileDataOptions Options { get; }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    internal WriteBudget Budget { get; }

    internal BlockCache Blocks { get; }

    internal DiskBlockCache? Disk { get; }

    internal SemaphoreSlim UploadSlots { get; }

    internal CancellationToken ShutdownToken => _shutdown.Token;

    /// <summary>Write-back memory in use now, all files together.</summary>
    public long BufferedBytes => Budget.Used;

    /// <summary>The most write-back memory ever in use at once; never above <see cref="FileDataOptions.WriteBufferBytes"/>.</summary>
    public long PeakBufferedBytes => Budget.Peak;

    /// <summary>Opens a file for one open(2): pass the attributes the namespace answered to open (close-to-open).</summary>
    public FileHandle Open(ulong inode, InodeAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (attributes.Type != InodeType.File)
        {
            throw new FileSystemException(attributes.Type == InodeType.Directory ? Errno.EISDIR : Errno.EINVAL, $"inode {inode} is not a regular file");
        }

        ObjectDisposedException.ThrowIf(_shutdown.IsCancellationRequested, this);
        OpenFile file;
        lock (_sync)
        {
            if (_files.TryGetValue(inode, out var open))
            {
                file = open;
                file.Reopen((long)attributes.Length);
            }
            else
            {
                file = new OpenFile(this, inode, (long)attributes.Length);
                _files[inode] = file;
            }

            file.Handles++;
        }

        return new FileHandle(this, file);
    }

    /// <summary>The length of an open file including buffered writes (getattr must report it), if this mount has it open.</summary>
    public bool TryGetLength(ulong inode, out ulong length)
    {
        lock (_sync)
        {
            if (_files.TryGetValue(inode, out var file))
            {
                length = (ulong)file.Length;
                return true;
            }
        }

        length = 0;
        return false;
    }

    /// <summary>
    /// truncate(2)/ftruncate(2) whether or not the file is open here: buffered writes of it are flushed first, so
    /// that nothing buffered lands beyond the new end afterwards. Answers the new attributes.
    /// </summary>
    public async Task<InodeAttributes> TruncateAsync(ulong inode, ulong length, CancellationToken ct)
    {
        OpenFile? file;
        lock (_sync)
        {
            _files.TryGetValue(inode, out file);
        }

        return file is not null
            ? await file.TruncateAsync(checked((long)length), ct).ConfigureAwait(false)
            : await Meta.TruncateAsync(inode, length, ct).ConfigureAwait(false);
    }

    /// <summary>Flushes every open file (unmount, sync(2)); throws the first error after trying all.</summary>
    public async Task FlushAllAsync(CancellationToken ct)
    {
        List<OpenFile> files;
        lock (_sync)
        {
            files = [.. _files.Values];
        }

        Exception? first = null;
        foreach (var file in files)
        {
            try
            {
                await file.FlushAsync(ct).ConfigureAwait(false);
            }
            catch (FileSystemException e)
            {
                first ??= e;
            }
        }

        if (first is not null)
        {
            throw first;
        }
    }

    /// <summary>Deletes the objects of slices no file references any more, then forgets them; bounded per call. Answers how many slices were collected.</summary>
    public Task<int> CollectDeletedSlicesAsync(CancellationToken ct) => _collector.CollectAsync(ct);

    /// <summary>Rewrites a chunk's slices as one (the content stays the same). False if there was nothing to do or the chunk changed meanwhile.</summary>
    public Task<bool> CompactChunkAsync(ulong inode, uint chunk, CancellationToken ct) => _compactor.CompactAsync(inode, chunk, 2, ct);

    /// <summary>Background compactions queued or running now (tests wait for zero).</summary>
    public int CompactionsPending => _compactor.Pending;

    internal void ScheduleCompaction(ulong inode, uint chunk) => _compactor.Schedule(inode, chunk, _shutdown.Token);

    internal void ChunkChanged(ulong inode, uint chunk)
    {
        lock (_sync)
        {
            if (_files.TryGetValue(inode, out var file))
            {
                file.Invalidate(chunk);
            }
        }
    }

    internal long NowNs() => (Time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;

    internal async Task CloseAsync(OpenFile file)
    {
        try
        {
            await file.FlushAsync(_shutdown.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileSystemException or OperationCanceledException)
        {
            LogCloseFlushFailed(Logger, file.Inode, e.Message);
        }

        bool last;
        lock (_sync)
        {
            last = --file.Handles == 0;
            if (last)
            {
                _files.Remove(file.Inode);
            }
        }

        if (last && file.HasPending)
        {
            await file.DiscardAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the given blocks of a slice, best effort: what fails stays behind (logged), never referenced data.</summary>
    internal async Task<bool> DeleteBlocksAsync(ulong sliceId, IEnumerable<int> blocks, CancellationToken ct)
    {
        var all = true;
        foreach (var block in blocks)
        {
            try
            {
                await Store.DeleteBlockAsync(sliceId, block, ct).ConfigureAwait(false);
            }
            catch (FileSystemException e)
            {
                LogDeleteFailed(Logger, sliceId, block, e.Message);
                all = false;
            }
        }

        return all;
    }

    private void RelievePressure()
    {
        // Runs on the pool, once at a time: writers waiting for memory must not also take other files' locks. A
        // request that arrives during a run asks for one more run, so a writer that starts waiting then is not missed.
        while (true)
        {
            var state = Volatile.Read(ref _relief);
            if (state == ReliefRunningAndAskedAgain)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _relief, state + 1, state) == state)
            {
                if (state == ReliefIdle)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(static data => data.RunRelief(), this, preferLocal: false);
                }

                return;
            }
        }
    }

    private void RunRelief()
    {
        while (true)
        {
            // The pressure may be gone by now (an upload gave bytes back): freezing then would only cut slices short.
            if (Budget.HasWaiters)
            {
                List<OpenFile> files;
                lock (_sync)
                {
                    files = [.. _files.Values];
                }

                var idleBefore = NowNs() - 1_000_000_000L;
                var uploading = files.Sum(f => f.UploadsInFlight);
                foreach (var file in files)
                {
                    file.RelievePressure(uploading == 0 ? long.MaxValue : idleBefore);
                }
            }

            if (Interlocked.CompareExchange(ref _relief, ReliefIdle, ReliefRunning) == ReliefRunning)
            {
                return;
            }

            // Asked again during this run (nothing else changes the state from there).
            Volatile.Write(ref _relief, ReliefRunning);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_shutdown.IsCancellationRequested)
        {
            return;
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        await _compactor.StopAsync().ConfigureAwait(false);
        if (Disk is { } disk)
        {
            try
            {
                await disk.CloseAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A disk that hangs must not hang the unmount; an unfinished write leaves a .tmp file, which the next
                // mount's scan deletes.
            }
        }

        _ownedHttp?.Dispose();
        _shutdown.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Flush at the last close of inode {Inode} failed: {Error}")]
    private static partial void LogCloseFlushFailed(ILogger logger, ulong inode, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting block {Block} of slice {SliceId} failed: {Error}; it stays behind")]
    private static partial void LogDeleteFailed(ILogger logger, ulong sliceId, int block, string error);
}
