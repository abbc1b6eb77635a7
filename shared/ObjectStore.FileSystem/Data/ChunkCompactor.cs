using System.Buffers;
using Microsoft.Extensions.Logging;
using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Data;

/// <summary>
/// Merges a fragmented chunk: reads what its slices add up to and stores that as one new slice, which the namespace
/// swaps in only if the chunk still starts with the slices that were read (otherwise the new objects are deleted and
/// the chunk is left for another time). Background work is one chunk at a time from a small queue, one block of
/// memory at a time.
/// </summary>
internal sealed partial class ChunkCompactor(FileData data, ILogger logger)
{
    private const int MaxQueued = 64;

    private readonly object _sync = new();
    private readonly HashSet<(ulong Inode, uint Chunk)> _queued = [];
    private readonly Queue<(ulong Inode, uint Chunk)> _queue = new();
    private Task? _worker;

    /// <summary>Chunks queued or being compacted.</summary>
    public int Pending
    {
        get
        {
            lock (_sync)
            {
                return _queued.Count;
            }
        }
    }

    public void Schedule(ulong inode, uint chunk, CancellationToken ct)
    {
        lock (_sync)
        {
            if (ct.IsCancellationRequested || _queued.Count >= MaxQueued || !_queued.Add((inode, chunk)))
            {
                return;
            }

            _queue.Enqueue((inode, chunk));
            _worker ??= Task.Run(() => RunAsync(ct));
        }
    }

    public async Task StopAsync()
    {
        Task? worker;
        lock (_sync)
        {
            worker = _worker;
        }

        if (worker is not null)
        {
            await worker.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Compacts the chunk if it has at least <paramref name="minSlices"/> slices (and two at least).</summary>
    public async Task<bool> CompactAsync(ulong inode, uint chunk, int minSlices, CancellationToken ct)
    {
        var slices = await data.Meta.ReadChunkAsync(inode, chunk, ct).ConfigureAwait(false);
        if (slices.Count < Math.Max(2, minSlices))
        {
            return false;
        }

        var start = slices.Min(s => s.Position);
        var end = slices.Max(s => s.End);
        var size = end - start;
        var view = ChunkView.Build(slices);
        var id = await data.Meta.NewSliceIdAsync(ct).ConfigureAwait(false);
        var blocks = SliceObjects.BlockCount(size);
        var buffer = ArrayPool<byte>.Shared.Rent(FileLayout.BlockSize);
        var stored = new List<int>(blocks);
        try
        {
            for (var block = 0; block < blocks; block++)
            {
                var length = SliceObjects.BlockLength(size, block);
                await ChunkReader.ReadAsync(data, view, start + (uint)(block * FileLayout.BlockSize), buffer.AsMemory(0, length), sequential: true, null, ct).ConfigureAwait(false);
                await data.Store.PutBlockAsync(id, block, [buffer.AsMemory(0, length)], ct).ConfigureAwait(false);
                stored.Add(block);
            }
        }
        catch (Exception e)
        {
            LogFailed(logger, inode, chunk, e.Message);
            await data.DeleteBlocksAsync(id, stored, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        bool swapped;
        try
        {
            swapped = await data.Meta.CompactChunkAsync(inode, chunk, slices, new Slice(id, size, 0, size), ct).ConfigureAwait(false);
        }
        catch (FileSystemException e) when (e.Errno != Errno.EIO)
        {
            // Refused for good (the file is gone): the new slice never became reachable.
            await data.DeleteBlocksAsync(id, stored, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        // Any other failure may have committed the swap after all: then the objects are referenced, so they stay.
        if (!swapped)
        {
            LogChanged(logger, inode, chunk);
            await data.DeleteBlocksAsync(id, stored, CancellationToken.None).ConfigureAwait(false);
            return false;
        }

        data.ChunkChanged(inode, chunk);
        LogCompacted(logger, inode, chunk, slices.Count, size);
        return true;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        while (true)
        {
            (ulong Inode, uint Chunk) next;
            lock (_sync)
            {
                if (_queue.Count == 0 || ct.IsCancellationRequested)
                {
                    _queue.Clear();
                    _queued.Clear();
                    _worker = null;
                    return;
                }

                next = _queue.Dequeue();
            }

            try
            {
                await CompactAsync(next.Inode, next.Chunk, data.Options.CompactSliceThreshold + 1, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // Logged where it failed; the chunk is compacted another time.
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                lock (_sync)
                {
                    _queued.Remove(next);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Compacted chunk {Chunk} of inode {Inode}: {Slices} slices into one of {Size} bytes")]
    private static partial void LogCompacted(ILogger logger, ulong inode, uint chunk, int slices, uint size);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Chunk {Chunk} of inode {Inode} changed while it was compacted; left for another time")]
    private static partial void LogChanged(ILogger logger, ulong inode, uint chunk);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Compacting chunk {Chunk} of inode {Inode} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, ulong inode, uint chunk, string error);
}
