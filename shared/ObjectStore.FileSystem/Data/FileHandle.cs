using System.Buffers;
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
        var (sequential, window) = StartRead(offset);
        var n = await _file.ReadAsync(offset, destination, sequential, ct).ConfigureAwait(false);
        EndRead(offset, n, window);
        return n;
    }

    /// <summary>
    /// Reads up to <paramref name="length"/> bytes from <paramref name="offset"/> as <see cref="ReadAsync"/> does, into
    /// memory the caller holds until it disposes the answer: when they lie in one stored block, that cached block itself
    /// (no copy), and otherwise a pooled buffer.
    /// </summary>
    public async ValueTask<ReadLease> ReadLeasedAsync(long offset, int length, CancellationToken ct)
    {
        ThrowIfClosed();
        var (sequential, window) = StartRead(offset);
        var lease = await _file.TryReadInBlockAsync(offset, length, sequential, ct).ConfigureAwait(false);
        if (lease is null)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                var read = await _file.ReadAsync(offset, buffer.AsMemory(0, length), sequential, ct).ConfigureAwait(false);
                lease = ReadLease.Rented(buffer, read);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }

        EndRead(offset, lease.Data.Length, window);
        return lease;
    }

    /// <summary>Whether a read at <paramref name="offset"/> goes on where the last one stopped, and the read-ahead window (doubled while it does).</summary>
    private (bool Sequential, long Window) StartRead(long offset)
    {
        lock (_sync)
        {
            var sequential = Math.Abs(offset - _nextSequential) <= SequentialSlack;
            var limit = _data.Options.ReadAheadBytes;
            _window = sequential && limit > 0 ? Math.Min(Math.Max(_window * 2, FileLayout.BlockSize), limit) : 0;
            return (sequential, _window);
        }
    }

    /// <summary>Remembers where the read stopped and starts fetching the window after it, unless a read-ahead is under way.</summary>
    private void EndRead(long offset, int n, long window)
    {
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
