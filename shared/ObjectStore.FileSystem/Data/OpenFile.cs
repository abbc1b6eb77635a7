using System.Buffers;
using Microsoft.Extensions.Logging;
using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Data;

/// <summary>
/// The data of one inode while this mount has it open, shared by all its handles (so that one handle reads what
/// another wrote). Writes are buffered as <see cref="PendingSlice"/>s in write-back pages: a write that continues the
/// open end of a recent slice extends it, anything else starts a new slice on top. Full blocks upload in the background
/// as soon as they are complete; a flush uploads the rest and commits the slices to the namespace in the order they
/// were created — objects always before the transaction that makes them reachable. Reads see the committed slices
/// of the chunk with this mount's pending ones on top, served from the pages while they are in memory.
/// </summary>
internal sealed partial class OpenFile
{
    /// <summary>Largest piece of a write handled under the lock at once (its pages are reserved first).</summary>
    private const int MaxWritePiece = 1 << 20;

    /// <summary>Unfrozen slices a chunk may have at once; older ones are frozen (uploaded) as new ones start.</summary>
    private const int MaxOpenSlicesPerChunk = 4;

    /// <summary>Commits to one chunk after which it is checked for compaction.</summary>
    private const int CommitsPerCompactionCheck = 16;

    private readonly FileData _data;
    private readonly object _sync = new();
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SemaphoreSlim _commitGate = new(1, 1);
    private readonly List<PendingSlice> _pending = [];
    private readonly Dictionary<uint, CommittedChunk> _committed = [];
    private readonly Dictionary<uint, int> _commitsPerChunk = [];
    private long _length;
    private long _generation;
    private int _uploadsInFlight;
    private FileSystemException? _error;
    private Exception? _lastCommitFailure;

    public OpenFile(FileData data, ulong inode, long length)
    {
        _data = data;
        Inode = inode;
        _length = length;
    }

    public static long MaxFileSize => (long)uint.MaxValue * FileLayout.ChunkSize;

    public ulong Inode { get; }

    /// <summary>Handles open on this file; guarded by <see cref="FileData"/>'s lock.</summary>
    public int Handles { get; set; }

    public long Length
    {
        get
        {
            lock (_sync)
            {
                return _length;
            }
        }
    }

    public bool HasPending
    {
        get
        {
            lock (_sync)
            {
                return _pending.Count > 0;
            }
        }
    }

    public int UploadsInFlight => Volatile.Read(ref _uploadsInFlight);

    /// <summary>Another open(2): forget cached slice lists (close-to-open), take the namespace's length unless writes are buffered.</summary>
    public void Reopen(long length)
    {
        lock (_sync)
        {
            InvalidateLocked(null);
            if (_pending.Count == 0)
            {
                _length = length;
            }
        }
    }

    public void Invalidate(uint? chunk)
    {
        lock (_sync)
        {
            InvalidateLocked(chunk);
        }
    }

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> source, CancellationToken ct)
    {
        if (offset < 0)
        {
            throw DataErrors.NegativeOffset(offset);
        }

        if (offset + source.Length > MaxFileSize)
        {
            throw DataErrors.FileTooBig(offset + source.Length);
        }

        if (source.IsEmpty)
        {
            return;
        }

        await _writeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            while (!source.IsEmpty)
            {
                var chunk = (uint)(offset / FileLayout.ChunkSize);
                var position = (uint)(offset % FileLayout.ChunkSize);
                var n = (int)Math.Min(Math.Min(source.Length, MaxWritePiece), FileLayout.ChunkSize - position);

                // Reserve the most pages this piece can touch, then do all of it under the lock and give back what was not needed.
                long reserved = ((n / PendingSlice.PageSize) + 2) * (long)PendingSlice.PageSize;
                await _data.Budget.AcquireAsync(reserved, _data.Options.BufferWaitTimeout, ct).ConfigureAwait(false);
                long used = 0;
                try
                {
                    lock (_sync)
                    {
                        used = WriteLocked(chunk, position, source.Span[..n]);
                    }
                }
                finally
                {
                    _data.Budget.Release(reserved - used);
                }

                offset += n;
                source = source[n..];
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        List<PendingSlice> targets;
        await _writeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            targets = FreezeAll();
        }
        finally
        {
            _writeGate.Release();
        }

        await CompleteAsync(targets, ct).ConfigureAwait(false);
    }

    /// <summary>Flushes what is buffered, then truncates in the namespace, so that buffers and the namespace never disagree.</summary>
    public async Task<InodeAttributes> TruncateAsync(long length, CancellationToken ct)
    {
        if (length < 0)
        {
            throw DataErrors.NegativeOffset(length);
        }

        if (length > MaxFileSize)
        {
            throw DataErrors.FileTooBig(length);
        }

        await _writeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await CompleteAsync(FreezeAll(), ct).ConfigureAwait(false);
            var attributes = await _data.Meta.TruncateAsync(Inode, (ulong)length, ct).ConfigureAwait(false);
            lock (_sync)
            {
                _length = (long)attributes.Length;
                InvalidateLocked(null);
            }

            return attributes;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async ValueTask<int> ReadAsync(long offset, Memory<byte> destination, bool sequential, CancellationToken ct)
    {
        if (offset < 0)
        {
            throw DataErrors.NegativeOffset(offset);
        }

        var length = Length;
        if (offset >= length || destination.IsEmpty)
        {
            return 0;
        }

        var n = (int)Math.Min(destination.Length, length - offset);
        for (var done = 0; done < n;)
        {
            var position = offset + done;
            var chunk = (uint)(position / FileLayout.ChunkSize);
            var inChunk = (uint)(position % FileLayout.ChunkSize);
            var take = (int)Math.Min(n - done, FileLayout.ChunkSize - inChunk);
            await ReadChunkAsync(chunk, inChunk, destination.Slice(done, take), sequential, ct).ConfigureAwait(false);
            done += take;
        }

        return n;
    }

    /// <summary>
    /// The bytes of a read as a lease on the cached block that holds them all, when one stored block does (as a large
    /// sequential read's are: 1 MiB requests inside 4 MiB blocks); null when they cross a block or a slice, touch
    /// buffered writes or holes, lie past the end, or are a small random read that should fetch only its range — the
    /// caller then reads them with <see cref="ReadAsync"/>.
    /// </summary>
    public async ValueTask<ReadLease?> TryReadInBlockAsync(long offset, int length, bool sequential, CancellationToken ct)
    {
        var fileLength = Length;
        if (offset < 0 || offset >= fileLength || length <= 0)
        {
            return null;
        }

        var n = (int)Math.Min(length, fileLength - offset);
        var chunk = (uint)(offset / FileLayout.ChunkSize);
        var inChunk = (uint)(offset % FileLayout.ChunkSize);
        if (inChunk + (uint)n > FileLayout.ChunkSize)
        {
            return null;
        }

        var view = await ViewAsync(chunk, ct).ConfigureAwait(false);
        var index = view.FirstPieceAfter(inChunk);
        if (index >= view.Pieces.Count || view.Pieces[index] is not { Pending: null, SliceId: not 0 } piece
            || piece.Start > inChunk || piece.End < inChunk + (uint)n)
        {
            return null;
        }

        var inSlice = piece.SliceOffset + (inChunk - piece.Start);
        var block = (int)(inSlice / FileLayout.BlockSize);
        var inBlock = (int)(inSlice % FileLayout.BlockSize);
        var blockLength = SliceObjects.BlockLength(piece.SliceSize, block);
        if (inBlock + n > blockLength || !ChunkReader.WholeBlock(sequential, n, blockLength))
        {
            return null;
        }

        try
        {
            return await _data.Blocks.LeaseAsync(new BlockKey(piece.SliceId, block), blockLength, inBlock, n, ct).ConfigureAwait(false);
        }
        catch (SliceBlockMissingException)
        {
            // A stale slice list (compacted or truncated by another mount): the copying read re-reads it and retries.
            Invalidate(chunk);
            return null;
        }
    }

    /// <summary>Starts fetching the stored blocks of [offset, offset + bytes) into the block cache.</summary>
    public async Task PrefetchAsync(long offset, long bytes, CancellationToken ct)
    {
        var end = Math.Min(offset + bytes, Length);
        while (offset < end)
        {
            var chunk = (uint)(offset / FileLayout.ChunkSize);
            var inChunk = (uint)(offset % FileLayout.ChunkSize);
            var take = (uint)Math.Min(end - offset, FileLayout.ChunkSize - inChunk);
            var view = await ViewAsync(chunk, ct).ConfigureAwait(false);
            for (var i = view.FirstPieceAfter(inChunk); i < view.Pieces.Count && view.Pieces[i].Start < inChunk + take; i++)
            {
                var piece = view.Pieces[i];
                if (piece.SliceId == 0)
                {
                    continue;
                }

                var from = piece.SliceOffset + (Math.Max(piece.Start, inChunk) - piece.Start);
                var to = piece.SliceOffset + (Math.Min(piece.End, inChunk + take) - piece.Start);
                for (var block = (int)(from / FileLayout.BlockSize); block <= (int)((to - 1) / FileLayout.BlockSize); block++)
                {
                    _data.Blocks.Prefetch(new BlockKey(piece.SliceId, block), SliceObjects.BlockLength(piece.SliceSize, block));
                }
            }

            offset += take;
        }
    }

    /// <summary>Write-buffer memory is short: start uploading the slices last written before <paramref name="idleBeforeNs"/>.</summary>
    public void RelievePressure(long idleBeforeNs)
    {
        lock (_sync)
        {
            foreach (var slice in _pending)
            {
                if (!slice.Frozen && slice.MtimeNs < idleBeforeNs)
                {
                    FreezeLocked(slice);
                }
            }
        }
    }

    /// <summary>
    /// Gives up on buffered data that could not be flushed at the last close: waits for uploads in flight, frees the
    /// pages and deletes the objects that were stored for it (nothing references them, unless a commit may have landed).
    /// </summary>
    public async Task DiscardAsync()
    {
        List<PendingSlice> slices;
        lock (_sync)
        {
            slices = [.. _pending];
            _pending.Clear();
            InvalidateLocked(null);
        }

        foreach (var slice in slices)
        {
            Task[] uploads;
            lock (_sync)
            {
                uploads = [.. slice.Uploads];
            }

            try
            {
                await Task.WhenAll(uploads).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Failed uploads are why we are here; those that succeeded are deleted below.
            }

            long freed = 0;
            var stored = new List<int>();
            lock (_sync)
            {
                for (var i = 0; i < slice.Pages.Count; i++)
                {
                    if (slice.Pages[i] is { } page)
                    {
                        ArrayPool<byte>.Shared.Return(page);
                        slice.Pages[i] = null;
                        freed += PendingSlice.PageSize;
                    }
                }

                for (var block = 0; block < slice.Uploads.Count; block++)
                {
                    if (slice.Uploads[block].IsCompletedSuccessfully)
                    {
                        stored.Add(block);
                    }
                }
            }

            _data.Budget.Release(freed);
            LogDiscarded(_data.Logger, Inode, slice.Chunk, slice.Position, slice.Length);
            if (!slice.CommitUncertain && slice.StoredId != 0)
            {
                await _data.DeleteBlocksAsync(slice.StoredId, stored, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private long WriteLocked(uint chunk, uint position, ReadOnlySpan<byte> data)
    {
        var slice = FindWritableLocked(chunk, position, data.Length) ?? NewSliceLocked(chunk, position);
        var offset = (int)(position - slice.Position);
        var lastPage = (offset + data.Length - 1) / PendingSlice.PageSize;
        while (slice.Pages.Count <= lastPage)
        {
            slice.Pages.Add(null);
        }

        long allocated = 0;
        for (var p = offset / PendingSlice.PageSize; p <= lastPage; p++)
        {
            if (slice.Pages[p] is null)
            {
                slice.Pages[p] = ArrayPool<byte>.Shared.Rent(PendingSlice.PageSize);
                allocated += PendingSlice.PageSize;
            }
        }

        for (int done = 0, at = offset; done < data.Length;)
        {
            var inPage = at % PendingSlice.PageSize;
            var n = Math.Min(data.Length - done, PendingSlice.PageSize - inPage);
            data.Slice(done, n).CopyTo(slice.Pages[at / PendingSlice.PageSize].AsSpan(inPage, n));
            done += n;
            at += n;
        }

        slice.Length = Math.Max(slice.Length, offset + data.Length);
        slice.MtimeNs = _data.NowNs();
        _length = Math.Max(_length, ((long)chunk * FileLayout.ChunkSize) + position + data.Length);

        // Blocks entirely behind the end of this write are complete: store them while writing goes on.
        var complete = (offset + data.Length) / FileLayout.BlockSize;
        while (slice.SealedBlocks < complete)
        {
            SealLocked(slice);
        }

        if (slice.End == FileLayout.ChunkSize)
        {
            FreezeLocked(slice);
        }

        return allocated;
    }

    private PendingSlice? FindWritableLocked(uint chunk, uint position, int length)
    {
        var seen = 0;
        for (var i = _pending.Count - 1; i >= 0 && seen < MaxOpenSlicesPerChunk; i--)
        {
            var slice = _pending[i];
            if (slice.Chunk != chunk)
            {
                continue;
            }

            seen++;
            if (!slice.Frozen && position >= slice.Position + slice.WritableFrom && position <= slice.End)
            {
                return slice;
            }

            if (position < slice.End && slice.Position < position + length)
            {
                // A newer slice covers part of this range: the write has to go on top of it.
                return null;
            }
        }

        return null;
    }

    private PendingSlice NewSliceLocked(uint chunk, uint position)
    {
        var open = _pending.Where(s => s.Chunk == chunk && !s.Frozen).ToList();
        for (var i = 0; i <= open.Count - MaxOpenSlicesPerChunk; i++)
        {
            FreezeLocked(open[i]);
        }

        var slice = new PendingSlice(chunk, position);
        _pending.Add(slice);
        return slice;
    }

    private List<PendingSlice> FreezeAll()
    {
        lock (_sync)
        {
            foreach (var slice in _pending)
            {
                FreezeLocked(slice);
                for (var block = 0; block < slice.Uploads.Count; block++)
                {
                    if (slice.Uploads[block] is { IsFaulted: true } or { IsCanceled: true })
                    {
                        slice.Uploads[block] = StartUploadLocked(slice, block);
                    }
                }
            }

            return [.. _pending];
        }
    }

    private void FreezeLocked(PendingSlice slice)
    {
        if (slice.Frozen)
        {
            return;
        }

        slice.Frozen = true;
        var blocks = SliceObjects.BlockCount(slice.Length);
        while (slice.SealedBlocks < blocks)
        {
            SealLocked(slice);
        }
    }

    private void SealLocked(PendingSlice slice)
    {
        var block = slice.SealedBlocks++;
        slice.Uploads.Add(StartUploadLocked(slice, block));
    }

    private Task StartUploadLocked(PendingSlice slice, int block)
    {
        _uploadsInFlight++;
        var upload = Task.Run(() => UploadBlockAsync(slice, block));
        upload.ContinueWith(static (_, state) => ((OpenFile)state!).AfterUpload(), this, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return upload;
    }

    private async Task UploadBlockAsync(PendingSlice slice, int block)
    {
        var ct = _data.ShutdownToken;
        await _data.UploadSlots.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var id = await SliceIdAsync(slice).ConfigureAwait(false);
            IReadOnlyList<ReadOnlyMemory<byte>> segments;
            lock (_sync)
            {
                // Sealed pages do not change and only this upload frees them: safe to send without the lock.
                segments = slice.BlockSegments(block);
            }

            await _data.Store.PutBlockAsync(id, block, segments, ct).ConfigureAwait(false);
            long freed = 0;
            lock (_sync)
            {
                for (var p = block * PendingSlice.PagesPerBlock; p < Math.Min(slice.Pages.Count, (block + 1) * PendingSlice.PagesPerBlock); p++)
                {
                    if (slice.Pages[p] is { } page)
                    {
                        ArrayPool<byte>.Shared.Return(page);
                        slice.Pages[p] = null;
                        freed += PendingSlice.PageSize;
                    }
                }
            }

            _data.Budget.Release(freed);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogUploadFailed(_data.Logger, Inode, block, slice.Chunk, e.Message);
            throw;
        }
        finally
        {
            _data.UploadSlots.Release();
        }
    }

    private Task<ulong> SliceIdAsync(PendingSlice slice)
    {
        lock (_sync)
        {
            if (slice.Id is null or { IsFaulted: true } or { IsCanceled: true })
            {
                slice.Id = Task.Run(() => _data.Meta.NewSliceIdAsync(_data.ShutdownToken));
            }

            return slice.Id;
        }
    }

    private void AfterUpload()
    {
        bool headReady;
        lock (_sync)
        {
            _uploadsInFlight--;
            headReady = _pending.Count > 0 && _pending[0].Uploaded;
        }

        if (headReady)
        {
            _ = CommitInBackgroundAsync();
        }
    }

    private async Task CommitInBackgroundAsync()
    {
        try
        {
            await CommitReadyAsync(_data.ShutdownToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_data.ShutdownToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // CommitReadyAsync records what a flush has to report; this is only the background attempt.
            LogCommitFailed(_data.Logger, Inode, e.Message);
        }
    }

    /// <summary>Waits for these slices' uploads, commits them, and reports the first error a flush must return.</summary>
    private async Task CompleteAsync(List<PendingSlice> targets, CancellationToken ct)
    {
        foreach (var slice in targets)
        {
            Task[] uploads;
            lock (_sync)
            {
                uploads = [.. slice.Uploads];
            }

            try
            {
                await Task.WhenAll(uploads).WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e)
            {
                throw DataErrors.UploadFailed(Inode, e);
            }
        }

        await CommitReadyAsync(ct).ConfigureAwait(false);
        lock (_sync)
        {
            if (_error is { } error)
            {
                _error = null;
                throw error;
            }

            if (targets.Any(_pending.Contains))
            {
                throw DataErrors.UploadFailed(Inode, _lastCommitFailure ?? new InvalidOperationException("slices still pending after a flush"));
            }
        }
    }

    /// <summary>Commits uploaded slices in the order they were created, until one is not ready or fails.</summary>
    private async Task CommitReadyAsync(CancellationToken ct)
    {
        await _commitGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            while (true)
            {
                PendingSlice head;
                Slice slice;
                lock (_sync)
                {
                    if (_pending.Count == 0 || !_pending[0].Uploaded)
                    {
                        return;
                    }

                    head = _pending[0];
                    slice = head.ToSlice();
                }

                try
                {
                    await _data.Meta.WriteAsync(Inode, head.Chunk, head.Position, slice, head.MtimeNs, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    throw;
                }
                catch (FileSystemException e) when (e.Errno != Errno.EIO)
                {
                    // Refused for good (file gone, no space, too big): the slice can never become reachable, so its
                    // objects would leak — delete them, and report the error at the next flush.
                    lock (_sync)
                    {
                        _pending.Remove(head);
                        _error ??= e;
                    }

                    LogCommitRefused(_data.Logger, Inode, slice.Id, e.Message);
                    await _data.DeleteBlocksAsync(slice.Id, Enumerable.Range(0, SliceObjects.BlockCount(slice.Size)), CancellationToken.None).ConfigureAwait(false);
                    continue;
                }
                catch (Exception e)
                {
                    // Perhaps committed after all (a store that timed out): keep the slice and its objects, retry at the next flush.
                    lock (_sync)
                    {
                        head.CommitUncertain = true;
                        _lastCommitFailure = e;
                    }

                    throw DataErrors.UploadFailed(Inode, e);
                }

                bool check;
                lock (_sync)
                {
                    _pending.Remove(head);
                    InvalidateLocked(head.Chunk);
                    _commitsPerChunk[head.Chunk] = _commitsPerChunk.GetValueOrDefault(head.Chunk) + 1;
                    check = _commitsPerChunk[head.Chunk] % CommitsPerCompactionCheck == 0;
                }

                if (check)
                {
                    _data.ScheduleCompaction(Inode, head.Chunk);
                }
            }
        }
        finally
        {
            _commitGate.Release();
        }
    }

    private async Task ReadChunkAsync(uint chunk, uint start, Memory<byte> destination, bool sequential, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var view = await ViewAsync(chunk, ct).ConfigureAwait(false);
            try
            {
                await ChunkReader.ReadAsync(_data, view, start, destination, sequential, ReadPendingAsync, ct).ConfigureAwait(false);
                return;
            }
            catch (SliceBlockMissingException missing)
            {
                // The slice list we used may be stale (compacted, truncated by another mount): read it again once.
                if (attempt > 0)
                {
                    throw DataErrors.BlockMissing(missing);
                }

                Invalidate(chunk);
            }
        }
    }

    private async Task<ChunkView> ViewAsync(uint chunk, CancellationToken ct)
    {
        List<PendingPiece> pending;
        ChunkView? committed = null;
        long generation;
        var now = _data.Time.GetTimestamp();
        lock (_sync)
        {
            // Taken before the committed list is read: a slice committed in between is then in one or the other.
            pending = _pending.Where(s => s.Chunk == chunk && s.Length > 0).Select(s => new PendingPiece(s, s.Length)).ToList();
            generation = _generation;
            if (_committed.TryGetValue(chunk, out var cached) && _data.Time.GetElapsedTime(cached.Fetched, now) <= _data.Options.ChunkListTtl)
            {
                committed = cached.View;
            }
        }

        if (committed is null)
        {
            var slices = await _data.Meta.ReadChunkAsync(Inode, chunk, ct).ConfigureAwait(false);
            committed = ChunkView.Build(slices);
            lock (_sync)
            {
                if (_generation == generation)
                {
                    _committed[chunk] = new CommittedChunk(committed, now);
                }
            }

            if (slices.Count > _data.Options.CompactSliceThreshold)
            {
                _data.ScheduleCompaction(Inode, chunk);
            }
        }

        return committed.Overlay(pending);
    }

    private async Task ReadPendingAsync(PendingSlice slice, int offset, Memory<byte> target, bool sequential, CancellationToken ct)
    {
        while (!target.IsEmpty)
        {
            var block = offset / FileLayout.BlockSize;
            var inBlock = offset % FileLayout.BlockSize;
            var n = Math.Min(target.Length, FileLayout.BlockSize - inBlock);
            ulong id;
            int blockLength;
            lock (_sync)
            {
                if (slice.InMemory(block))
                {
                    slice.CopyFromPages(offset, target.Span[..n]);
                    id = 0;
                    blockLength = 0;
                }
                else
                {
                    id = slice.StoredId;
                    blockLength = slice.BlockLength(block);
                    if (id == 0)
                    {
                        // Discarded after a failed flush: the caller reads the chunk again.
                        throw new SliceBlockMissingException(0, block);
                    }
                }
            }

            if (id != 0)
            {
                await _data.Blocks.ReadAsync(new BlockKey(id, block), blockLength, inBlock, target[..n], ChunkReader.WholeBlock(sequential, n, blockLength), ct).ConfigureAwait(false);
            }

            target = target[n..];
            offset += n;
        }
    }

    private void InvalidateLocked(uint? chunk)
    {
        _generation++;
        if (chunk is { } one)
        {
            _committed.Remove(one);
        }
        else
        {
            _committed.Clear();
        }
    }

    private sealed record CommittedChunk(ChunkView View, long Fetched);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload of block {Block} (chunk {Chunk}) of inode {Inode} failed: {Error}; the next flush tries again")]
    private static partial void LogUploadFailed(ILogger logger, ulong inode, int block, uint chunk, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Committing a slice of inode {Inode} failed: {Error}; the next flush tries again")]
    private static partial void LogCommitFailed(ILogger logger, ulong inode, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The namespace refused slice {SliceId} of inode {Inode}: {Error}; its objects are deleted")]
    private static partial void LogCommitRefused(ILogger logger, ulong inode, ulong sliceId, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Discarding {Length} unflushed bytes of inode {Inode} at chunk {Chunk} position {Position}: the last close could not store them")]
    private static partial void LogDiscarded(ILogger logger, ulong inode, uint chunk, uint position, int length);
}
