using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Data;

/// <summary>
/// One open(2) of a file. Handles of the same inode in one mount share its buffers (<see cref="OpenFile"/>); each keeps
/// its own read pattern: a reader that goes on where it stopped is sequential, and the blocks ahead of it are fetched
/// in the background, the window doubling up to <see cref="FileDataOptions.ReadAheadBytes"/>.
/// </summary>
public sealed class FileHandle : IAsyncDisposable
{
    /// <summary>How far from the expected next offset a read still counts as sequential (the kernel reorders its read-ahead a little).</summary>
    private const long SequentialSlack = 1 << 20;

    private readonly FileData _data;
    private readonly OpenFile _file;
    private readonly object _sync = new();
    private long _nextSequential;
    private long _window;
    private bool _prefetching;
    private int _closed;

    internal FileHandle(FileData data, OpenFile file)
    {
        _data = data;
        _file = file;
    }

    public ulong Inode => _file.Inode;

    /// <summary>The file's length as this mount sees it, including writes still buffered.</summary>
    public long Length => _file.Length;

    /// <summary>Reads what exists from <paramref name="offset"/>: zeros for holes, stops at the end of the file; returns the bytes read.</summary>
    public async ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken ct)
    {
        ThrowIfClosed();
        bool sequential;
        long window;
        lock (_sync)
        {
            sequential = Math.Abs(offset - _nextSequential) <= SequentialSlack;
            var limit = _data.Options.ReadAheadBytes;
            _window = sequential && limit > 0 ? Math.Min(Math.Max(_window * 2, FileLayout.BlockSize), limit) : 0;
            window = _window;
        }

        var n = await _file.ReadAsync(offset, destination, sequential, ct).ConfigureAwait(false);
        var startPrefetch = false;
        lock (_sync)
        {
            _nextSequential = offset + n;
            if (window > 0 && n > 0 && !_prefetching)
            {
                _prefetching = true;
                startPrefetch = true;
            }
        }

        if (startPrefetch)
        {
            _ = PrefetchAsync(offset + n, window);
        }

        return n;
    }

    /// <summary>Buffers the bytes (write-back); waits when the mount's write-buffer memory is used up.</summary>
    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, CancellationToken ct)
    {
        ThrowIfClosed();
        return _file.WriteAsync(offset, source, ct);
    }

    /// <summary>flush/fsync/close: stores every buffered byte and commits it to the namespace; then another mount that opens the file reads it.</summary>
    public Task FlushAsync(CancellationToken ct)
    {
        ThrowIfClosed();
        return _file.FlushAsync(ct);
    }

    /// <summary>Sets the file's length (buffers are flushed first); answers the new attributes.</summary>
    public Task<InodeAttributes> TruncateAsync(long length, CancellationToken ct)
    {
        ThrowIfClosed();
        return _file.TruncateAsync(length, ct);
    }

    /// <summary>release: flushes what is still buffered (errors were reported by the flush of close already) and lets go of the file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        await _data.CloseAsync(_file).ConfigureAwait(false);
    }

    private async Task PrefetchAsync(long offset, long bytes)
    {
        try
        {
            await _file.PrefetchAsync(offset, bytes, _data.ShutdownToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileSystemException or OperationCanceledException)
        {
            // Read-ahead is a guess; the read itself reports errors.
        }
        finally
        {
            lock (_sync)
            {
                _prefetching = false;
            }
        }
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            throw DataErrors.Closed();
        }
    }
}
