using System.Globalization;
using System.IO.Hashing;
using Microsoft.Extensions.Logging;

namespace ObjectStore.FileSystem.Data;

/// <summary>
/// Blocks on local disk, up to a byte limit (least recently used evicted first), so that re-reading data after the
/// memory cache let it go costs a local read instead of a trip to the store. A file holds the block followed by its
/// XxHash128 and is written to a temporary name and renamed, so a crash leaves a whole file or none; a file whose
/// length or hash is wrong is deleted and read from the store instead. Survives restarts (the directory is scanned).
/// </summary>
/// <remarks>
/// The hash guards against a damaged disk, not an adversary (the cache is the mount's own directory): XxHash128 runs at
/// memory speed, where SHA-256 took ~13% of the mount's CPU during a cold sequential read (every fetched block is
/// written here). Files of the SHA-256 format (<c>&lt;slice&gt;_&lt;block&gt;</c>, without the format suffix) are
/// dropped by <see cref="Load"/> like any foreign file.
/// </remarks>
internal sealed partial class DiskBlockCache
{
    private const int TrailerBytes = 16;

    /// <summary>Ends every file name of this format, so that files of an older trailer are never read as this one.</summary>
    private const string FormatSuffix = "_x";
    /// <summary>Blocks waiting to be written at most (each holds its memory until written); beyond that a block is simply not cached.</summary>
    private const int MaxWritesQueued = 8;

    private readonly string _directory;
    private readonly long _capacity;
    private readonly ILogger _logger;
    private readonly object _sync = new();
    private readonly SemaphoreSlim _writers = new(2, 2);
    private readonly Dictionary<BlockKey, Entry> _index = [];
    private long _bytes;
    private long _clock;
    private int _writes;
    private bool _closed;
    private TaskCompletionSource? _drained;

    public DiskBlockCache(string directory, long capacity, ILogger logger)
    {
        _directory = directory;
        _capacity = capacity;
        _logger = logger;
        Directory.CreateDirectory(directory);
        Load();
    }

    public long StoredBytes
    {
        get
        {
            lock (_sync)
            {
                return _bytes;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _index.Count;
            }
        }
    }

    /// <summary>Background writes not finished yet (tests wait for zero).</summary>
    public int WritesInFlight
    {
        get
        {
            lock (_sync)
            {
                return _writes;
            }
        }
    }

    public bool Contains(BlockKey key)
    {
        lock (_sync)
        {
            return _index.ContainsKey(key);
        }
    }

    public async ValueTask<bool> TryReadAsync(BlockKey key, Memory<byte> destination, CancellationToken ct)
    {
        lock (_sync)
        {
            if (!_index.TryGetValue(key, out var entry))
            {
                return false;
            }

            entry.LastUse = ++_clock;
        }

        var path = PathOf(key);
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
            var trailer = new byte[TrailerBytes];
            if (RandomAccess.GetLength(file) == destination.Length + TrailerBytes
                && await RandomAccess.ReadAsync(file, destination, 0, ct).ConfigureAwait(false) == destination.Length
                && await RandomAccess.ReadAsync(file, trailer, destination.Length, ct).ConfigureAwait(false) == TrailerBytes
                && XxHash128.Hash(destination.Span).AsSpan().SequenceEqual(trailer))
            {
                return true;
            }

            LogCorrupt(_logger, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogUnreadable(_logger, path, e.Message);
        }

        Remove(key);
        return false;
    }

    /// <summary>Writes the block in the background (two at a time) unless it is stored already or too many writes are queued.</summary>
    public void Store(CachedBlock block)
    {
        lock (_sync)
        {
            if (_closed || _index.ContainsKey(block.Key) || _writes >= MaxWritesQueued || block.Length + TrailerBytes > _capacity || !block.TryAcquire())
            {
                return;
            }

            _writes++;
        }

        _ = Task.Run(async () =>
        {
            var path = PathOf(block.Key);
            var temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
            await _writers.WaitAsync().ConfigureAwait(false);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var trailer = XxHash128.Hash(block.Data.Span);
                using (var file = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.Asynchronous))
                {
                    await RandomAccess.WriteAsync(file, block.Data, 0).ConfigureAwait(false);
                    await RandomAccess.WriteAsync(file, trailer, block.Length).ConfigureAwait(false);
                }

                File.Move(temp, path, overwrite: true);
                lock (_sync)
                {
                    if (!_index.ContainsKey(block.Key))
                    {
                        _index[block.Key] = new Entry(block.Length + TrailerBytes) { LastUse = ++_clock };
                        _bytes += block.Length + TrailerBytes;
                    }
                }

                EvictBeyondCapacity();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogUnwritable(_logger, path, e.Message);
                TryDelete(temp);
            }
            finally
            {
                _writers.Release();
                block.Release();
                lock (_sync)
                {
                    if (--_writes == 0)
                    {
                        _drained?.TrySetResult();
                    }
                }
            }
        });
    }

    /// <summary>
    /// Takes no more blocks and completes once the writes under way have finished (each a local write of one block), so
    /// that nothing touches the directory after the mount has let go of it.
    /// </summary>
    public Task CloseAsync()
    {
        lock (_sync)
        {
            _closed = true;
            if (_writes == 0)
            {
                return Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }

    private void EvictBeyondCapacity()
    {
        while (true)
        {
            BlockKey victim;
            lock (_sync)
            {
                if (_bytes <= _capacity || _index.Count == 0)
                {
                    return;
                }

                victim = _index.MinBy(e => e.Value.LastUse).Key;
            }

            Remove(victim);
        }
    }

    private void Remove(BlockKey key)
    {
        lock (_sync)
        {
            if (!_index.Remove(key, out var entry))
            {
                return;
            }

            _bytes -= entry.Size;
        }

        TryDelete(PathOf(key));
    }

    private void Load()
    {
        var found = new List<(BlockKey Key, long Size, DateTime Used)>();
        foreach (var file in Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(file);
            var parts = name.EndsWith(FormatSuffix, StringComparison.Ordinal) ? name[..^FormatSuffix.Length].Split('_') : [];
            if (parts.Length != 2
                || !ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var block))
            {
                // Leftovers of a crash mid-write (.tmp), files of an older format, or foreign files: not ours to keep.
                TryDelete(file);
                continue;
            }

            var info = new FileInfo(file);
            found.Add((new BlockKey(id, block), info.Length, info.LastWriteTimeUtc));
        }

        foreach (var (key, size, _) in found.OrderBy(f => f.Used))
        {
            _index[key] = new Entry(size) { LastUse = ++_clock };
            _bytes += size;
        }

        EvictBeyondCapacity();
    }

    private string PathOf(BlockKey key) =>
        Path.Combine(_directory, (key.SliceId & 0xFF).ToString("x2", CultureInfo.InvariantCulture), $"{key.SliceId}_{key.Block}{FormatSuffix}");

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogUnwritable(_logger, path, e.Message);
        }
    }

    private sealed class Entry(long size)
    {
        public long Size { get; } = size;

        public long LastUse { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disk cache file {Path} has a wrong length or hash; it is deleted and the block read from the store")]
    private static partial void LogCorrupt(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disk cache file {Path} cannot be read: {Error}")]
    private static partial void LogUnreadable(ILogger logger, string path, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disk cache file {Path} cannot be written or deleted: {Error}")]
    private static partial void LogUnwritable(ILogger logger, string path, string error);
}
