using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace ObjectStore.Storage.Volumes;

/// <summary>
/// The small objects of a volume, in packs (<see cref="PackFile"/>) under <c>packs/</c>, with an index in memory rebuilt
/// from the packs at start. A store writes its record into the active pack and joins the next fdatasync of that pack
/// (<see cref="GroupedSync"/>): the pack was zeroed and fsynced when it was made, so the flush writes data blocks only,
/// with no journal commit for a new file, a rename or a size. A record is in the index, and so readable, only once
/// flushed. Deletes and new write times rewrite the record's header in place; <see cref="CompactAsync"/> copies the
/// live records of mostly dead packs forward and removes those packs.
/// <para>
/// At start the later of two live records of a key wins (the earlier one was replaced, or copied forward by a compaction
/// that stopped before it deleted the pack) and the earlier is marked dead; a deleted record is skipped.
/// </para>
/// </summary>
internal sealed partial class PackedObjects : IDisposable
{
    private const int ZeroChunk = 1 << 20;
    private readonly string _directory;
    private readonly long _packBytes;
    private readonly ILogger _logger;
    private readonly Action<SafeFileHandle> _flush;
    private readonly ConcurrentDictionary<string, PackedEntry> _index = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    // An index change and the header rewrite that records it happen under the key's lock, so that two of them (a new
    // write time and a delete) cannot land on disk in the other order than in the index.
    private readonly Lock[] _keyLocks = Enumerable.Range(0, 64).Select(_ => new Lock()).ToArray();
    private readonly SortedDictionary<long, Pack> _packs = [];
    private Pack? _active;
    private Task<Pack>? _spare;
    private long _lastSeq;

    /// <param name="flush">The fdatasync of a pack's writer (<see cref="DataSync.Flush"/>); tests pass one that fails.</param>
    public PackedObjects(string directory, long packBytes, ILogger logger, Action<SafeFileHandle>? flush = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(packBytes, 64 * 1024);
        _directory = Directory.CreateDirectory(directory).FullName;
        _packBytes = packBytes;
        _logger = logger;
        _flush = flush ?? DataSync.Flush;
        Load();

        // Made now, in the background, so that the first small store after a start does not wait for 16 MiB of zeros.
        if (_spare is null)
        {
            StartSpare();
        }
    }

    /// <summary>Every packed key with where it lies and when it was written; a live view, safe to enumerate while it changes.</summary>
    public IEnumerable<KeyValuePair<string, PackedEntry>> Entries => _index;

    public bool TryGet(string key, out PackedEntry entry) => _index.TryGetValue(key, out entry);

    /// <summary>Packs on disk, their bytes (records written, live or not) and the bytes of their live records.</summary>
    public (int Packs, long Bytes, long LiveBytes) Usage()
    {
        lock (_lock)
        {
            return (_packs.Count, _packs.Values.Sum(p => p.End), _packs.Values.Sum(p => p.Live));
        }
    }

    /// <summary>
    /// Writes a record into the active pack, not yet flushed nor visible: <see cref="PublishAsync"/> makes it both.
    /// A record that is never published is left dead in its pack (<see cref="Abandon"/>).
    /// </summary>
    public PendingRecord Write(string key, IReadOnlyList<ReadOnlyMemory<byte>> parts, int fileLength, DateTime written)
    {
        var size = PackFile.RecordSize(fileLength);
        if (size > _packBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(fileLength), $"a record of {fileLength} bytes does not fit a pack of {_packBytes}");
        }

        Pack pack;
        long offset;
        lock (_lock)
        {
            if (_active is null || _active.Sealed || _active.End + size > _packBytes)
            {
                Rotate();
            }

            pack = _active!;
            offset = pack.End;
            pack.End += size;
            pack.Pending++;
            if (_spare is null && pack.End > _packBytes / 2)
            {
                StartSpare();
            }
        }

        var record = new PendingRecord(key, pack, new PackedEntry(pack.Seq, offset, fileLength, written.Ticks));
        try
        {
            var header = new byte[PackFile.HeaderSize];
            PackFile.WriteHeader(header, key, fileLength, written.Ticks, dead: false);
            var all = new ReadOnlyMemory<byte>[parts.Count + 1];
            all[0] = header;
            for (var i = 0; i < parts.Count; i++)
            {
                all[i + 1] = parts[i];
            }

            RandomAccess.Write(pack.Writer!, all, offset);
            return record;
        }
        catch
        {
            Abandon([record]);
            throw;
        }
    }

    /// <summary>
    /// Flushes the packs of <paramref name="records"/> (one fdatasync shared with every concurrent writer) and puts them in
    /// the index. Not cancellable: a record flushed but left out of the index would come back at the next start.
    /// </summary>
    public async Task PublishAsync(IReadOnlyList<PendingRecord> records)
    {
        try
        {
            try
            {
                await FlushAsync(records.Select(r => r.Pack)).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                SealAfterFailedFlush(records, ex);
                throw;
            }

            foreach (var record in records)
            {
                Publish(record.Key, record.Entry);
            }
        }
        finally
        {
            Release(records);
        }
    }

    /// <summary>
    /// A failed fdatasync may have left pages the kernel could not write marked clean, and it reports that failure only
    /// once: a later flush of the same pack could succeed over lost bytes. So nothing more is written into those packs
    /// (the next write makes a new one), and the records whose flush failed are marked dead, as far as the disk still
    /// takes that, so that a start does not bring back a copy whose store was reported failed.
    /// </summary>
    private void SealAfterFailedFlush(IReadOnlyList<PendingRecord> records, Exception error)
    {
        lock (_lock)
        {
            foreach (var pack in records.Select(r => r.Pack).Distinct())
            {
                // Sealed now even if no next pack can be made: Write makes one before it writes again.
                pack.Sealed = true;
            }
        }

        foreach (var record in records)
        {
            try
            {
                TryRewriteHeader(record.Key, record.Entry, dead: true, flush: false);
            }
            catch (IOException)
            {
            }
        }

        LogFlushFailed(string.Join(",", records.Select(r => r.Pack.Seq).Distinct()), records.Count, error.Message);
    }

    /// <summary>Gives up records written but not to be published; they are marked dead so that no start brings them back.</summary>
    public void Abandon(IReadOnlyList<PendingRecord> records)
    {
        try
        {
            foreach (var record in records)
            {
                TryRewriteHeader(record.Key, record.Entry, dead: true, flush: false);
            }
        }
        finally
        {
            Release(records);
        }
    }

    /// <summary>Opens the pack holding <paramref name="key"/> for reading; null when the key is not packed.</summary>
    public SafeFileHandle? OpenRead(string key, out PackedEntry entry)
    {
        // A compaction may move the record and remove its pack between the look-up and the open: look again.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (!_index.TryGetValue(key, out entry))
            {
                return null;
            }

            try
            {
                return File.OpenHandle(PathOf(entry.Pack), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
            }
            catch (FileNotFoundException)
            {
            }
        }

        entry = default;
        return null;
    }

    /// <summary>
    /// Gives <paramref name="key"/>, if it still lies at <paramref name="expected"/>, the write time now, in the index and
    /// in its header (not flushed: losing it to a power cut only makes a listing see the older time). False when it moved or went.
    /// </summary>
    public bool Touch(string key, PackedEntry expected)
    {
        var touched = expected with { WrittenTicks = DateTime.UtcNow.Ticks };
        lock (LockFor(key))
        {
            if (!_index.TryUpdate(key, touched, expected))
            {
                return false;
            }

            TryRewriteHeader(key, touched, dead: false, flush: false);
            return true;
        }
    }

    /// <summary>Removes <paramref name="key"/> if it still lies at <paramref name="expected"/>, durably (its header flushed as dead).</summary>
    public bool Remove(string key, PackedEntry expected)
    {
        lock (LockFor(key))
        {
            if (!_index.TryRemove(new KeyValuePair<string, PackedEntry>(key, expected)))
            {
                return false;
            }

            TryRewriteHeader(key, expected, dead: true, flush: false);
        }

        AddLive(expected, -1);
        FlushPack(expected.Pack);
        return true;
    }

    /// <summary>Reads <paramref name="destination"/>'s length of <paramref name="entry"/>'s file bytes from <paramref name="fileOffset"/> on.</summary>
    public void Read(PackedEntry entry, long fileOffset, Span<byte> destination)
    {
        if (fileOffset < 0 || fileOffset + destination.Length > entry.FileLength)
        {
            throw new ArgumentOutOfRangeException(nameof(fileOffset), "outside the record");
        }

        using var handle = File.OpenHandle(PathOf(entry.Pack), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (RandomAccess.Read(handle, destination, entry.DataOffset + fileOffset) != destination.Length)
        {
            throw new IOException($"pack {entry.Pack} ends inside the record at {entry.Offset}");
        }
    }

    /// <summary>
    /// Copies the live records of sealed packs that are at most <paramref name="liveRatio"/> live into the active pack and
    /// deletes those packs once nothing live is left in them; at most <paramref name="maxPacks"/> a run. Returns how many
    /// packs were deleted.
    /// </summary>
    public async Task<int> CompactAsync(double liveRatio, int maxPacks, CancellationToken cancellationToken)
    {
        List<Pack> candidates;
        lock (_lock)
        {
            candidates = _packs.Values.Where(p => p.Sealed && p.Pending == 0 && p.Live <= p.End * liveRatio).Take(maxPacks).ToList();
        }

        var deleted = 0;
        var buffer = Array.Empty<byte>();
        foreach (var pack in candidates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var moves = new List<(PackedEntry From, PendingRecord To)>();
            try
            {
                using var source = File.OpenHandle(PathOf(pack.Seq), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                foreach (var (key, entry) in _index.Where(e => e.Value.Pack == pack.Seq).ToList())
                {
                    if (buffer.Length < entry.FileLength)
                    {
                        buffer = new byte[entry.FileLength];
                    }

                    if (RandomAccess.Read(source, buffer.AsSpan(0, entry.FileLength), entry.DataOffset) != entry.FileLength)
                    {
                        throw new IOException($"pack {pack.Seq} ends inside the record at {entry.Offset}");
                    }

                    moves.Add((entry, Write(key, [buffer.AsMemory(0, entry.FileLength)], entry.FileLength, new DateTime(entry.WrittenTicks, DateTimeKind.Utc))));
                }

                await FlushAsync(moves.Select(m => m.To.Pack)).ConfigureAwait(false);
            }
            catch
            {
                Abandon(moves.Select(m => m.To).ToList());
                throw;
            }

            try
            {
                foreach (var (from, to) in moves)
                {
                    lock (LockFor(to.Key))
                    {
                        if (_index.TryUpdate(to.Key, to.Entry, from))
                        {
                            // The original marked dead too: should the pack outlive this run (a record in it was given
                            // a new write time meanwhile), no start finds both, nor the original after the copy's delete.
                            TryRewriteHeader(to.Key, from, dead: true, flush: false);
                            AddLive(to.Entry, +1);
                            AddLive(from, -1);
                        }
                        else
                        {
                            // Deleted or given a new write time meanwhile: the copy is not the record.
                            TryRewriteHeader(to.Key, to.Entry, dead: true, flush: false);
                        }
                    }
                }
            }
            finally
            {
                Release(moves.Select(m => m.To).ToList());
            }

            if (DeleteIfEmpty(pack))
            {
                deleted++;
                LogCompacted(pack.Seq, moves.Count);
            }
        }

        return deleted;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var pack in _packs.Values)
            {
                pack.Writer?.Dispose();
                pack.Writer = null;
            }

            if (_spare is { } spare)
            {
                try
                {
                    spare.GetAwaiter().GetResult().Writer?.Dispose();
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private async Task FlushAsync(IEnumerable<Pack> packs)
    {
        foreach (var pack in packs.Distinct())
        {
            await pack.Sync!.SyncAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Puts a flushed record in the index unless a later record of its key is there; the one that loses is marked dead.</summary>
    private void Publish(string key, PackedEntry entry)
    {
        lock (LockFor(key))
        {
            PublishLocked(key, entry);
        }
    }

    private void PublishLocked(string key, PackedEntry entry)
    {
        while (true)
        {
            if (_index.TryGetValue(key, out var current))
            {
                if (current.IsAfter(entry))
                {
                    TryRewriteHeader(key, entry, dead: true, flush: false);
                    return;
                }

                if (_index.TryUpdate(key, entry, current))
                {
                    AddLive(entry, +1);
                    AddLive(current, -1);
                    TryRewriteHeader(key, current, dead: true, flush: false);
                    return;
                }
            }
            else if (_index.TryAdd(key, entry))
            {
                AddLive(entry, +1);
                return;
            }
        }
    }

    private void AddLive(PackedEntry entry, int sign)
    {
        lock (_lock)
        {
            if (_packs.TryGetValue(entry.Pack, out var pack))
            {
                pack.Live += sign * PackFile.RecordSize(entry.FileLength);
            }
        }
    }

    private void Release(IReadOnlyList<PendingRecord> records)
    {
        lock (_lock)
        {
            foreach (var record in records)
            {
                record.Pack.Pending--;
                CloseIfDone(record.Pack);
            }
        }
    }

    private bool DeleteIfEmpty(Pack pack)
    {
        lock (_lock)
        {
            if (pack.Live != 0 || pack.Pending != 0 || !pack.Sealed || _index.Values.Any(e => e.Pack == pack.Seq))
            {
                return false;
            }

            _packs.Remove(pack.Seq);
        }

        File.Delete(PathOf(pack.Seq));
        DirectorySync.Fsync(_directory);
        return true;
    }

    private Lock LockFor(string key) => _keyLocks[(uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_keyLocks.Length];

    /// <summary>fdatasync of a pack, through a handle of its own (a sealed pack's writer is closed); a pack compacted away has nothing to flush.</summary>
    private void FlushPack(long seq)
    {
        try
        {
            using var handle = File.OpenHandle(PathOf(seq), FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            DataSync.Flush(handle);
        }
        catch (FileNotFoundException)
        {
        }
    }

    /// <summary>Rewrites a record's header in place (one sector); a pack compacted away meanwhile has nothing to rewrite.</summary>
    private void TryRewriteHeader(string key, PackedEntry entry, bool dead, bool flush)
    {
        var header = new byte[PackFile.HeaderSize];
        PackFile.WriteHeader(header, key, entry.FileLength, entry.WrittenTicks, dead);
        try
        {
            using var handle = File.OpenHandle(PathOf(entry.Pack), FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            RandomAccess.Write(handle, header, entry.Offset);
            if (flush)
            {
                DataSync.Flush(handle);
            }
        }
        catch (FileNotFoundException)
        {
        }
    }

    /// <summary>Seals the active pack and makes the spare (or a new pack) active. Under <see cref="_lock"/>.</summary>
    private void Rotate()
    {
        // The next pack first: when it cannot be made (a full disk), nothing changed and the next write tries again.
        var spare = _spare;
        _spare = null;
        var next = spare is null ? Create(++_lastSeq) : spare.GetAwaiter().GetResult();
        if (_active is { } old)
        {
            old.Sealed = true;
            CloseIfDone(old);
        }

        _active = next;
        _packs[next.Seq] = next;
    }

    /// <summary>Starts making the next pack in the background. Under <see cref="_lock"/> (or in the constructor).</summary>
    private void StartSpare()
    {
        var seq = ++_lastSeq;
        _spare = Task.Run(() => Create(seq));
    }

    /// <summary>Closes a sealed pack's writer once no record written into it waits for its flush. Under <see cref="_lock"/>.</summary>
    private static void CloseIfDone(Pack pack)
    {
        if (pack.Sealed && pack.Pending == 0)
        {
            pack.Writer?.Dispose();
            pack.Writer = null;
        }
    }

    /// <summary>
    /// A new pack: zeros written and fsynced, then the directory fsynced, so that a record written into it later needs
    /// only its data flushed (fdatasync of a block allocated and written before has no metadata to commit).
    /// </summary>
    private Pack Create(long seq)
    {
        var path = PathOf(seq);
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            var zeros = new byte[(int)Math.Min(ZeroChunk, _packBytes)];
            for (long offset = 0; offset < _packBytes; offset += zeros.Length)
            {
                RandomAccess.Write(handle, zeros.AsSpan(0, (int)Math.Min(zeros.Length, _packBytes - offset)), offset);
            }

            RandomAccess.FlushToDisk(handle);
            DirectorySync.Fsync(_directory);
            return new Pack(seq) { Writer = handle, Sync = new GroupedSync(() => _flush(handle)) };
        }
        catch
        {
            handle.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>
    /// Rebuilds the index from every pack, in order. Bytes past a pack's last record (zeros made ahead, a write that never
    /// completed) are cut off, and a pack with no record is removed: packs of an earlier run are sealed, never appended to.
    /// </summary>
    private void Load()
    {
        var seqs = new List<long>();
        foreach (var path in Directory.EnumerateFiles(_directory, "*.pack"))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), out var seq) && PathOf(seq) == path)
            {
                seqs.Add(seq);
            }
        }

        seqs.Sort();
        var marked = new HashSet<long>();
        var buffer = Array.Empty<byte>();
        foreach (var seq in seqs)
        {
            var pack = new Pack(seq) { Sealed = true };
            _packs[seq] = pack;
            _lastSeq = seq;
            using (var file = File.OpenHandle(PathOf(seq), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                foreach (var record in PackFile.Records(PathOf(seq)))
                {
                    pack.End = record.Offset + PackFile.RecordSize(record.FileLength);
                    if (record.Dead)
                    {
                        continue;
                    }

                    var entry = new PackedEntry(seq, record.Offset, record.FileLength, record.Written.Ticks);
                    if (buffer.Length < record.FileLength)
                    {
                        buffer = new byte[record.FileLength];
                    }

                    // A header whose bytes never reached the disk (a crash before the flush) or rotted since: not held,
                    // and never allowed to hide an earlier intact record of the key.
                    var bytes = buffer.AsSpan(0, record.FileLength);
                    if (RandomAccess.Read(file, bytes, record.DataOffset) != bytes.Length || !ObjectFileFormat.IsIntact(bytes))
                    {
                        LogDamagedRecord(record.Key, seq, record.Offset);
                        TryRewriteHeader(record.Key, entry, dead: true, flush: false);
                        marked.Add(seq);
                        continue;
                    }

                    if (_index.TryGetValue(record.Key, out var earlier))
                    {
                        // Copied forward by a compaction that stopped before it deleted the pack: one live record a key.
                        _packs[earlier.Pack].Live -= PackFile.RecordSize(earlier.FileLength);
                        TryRewriteHeader(record.Key, earlier, dead: true, flush: false);
                        marked.Add(earlier.Pack);
                    }

                    _index[record.Key] = entry;
                    pack.Live += PackFile.RecordSize(record.FileLength);
                }
            }

            if (pack.End == 0)
            {
                _packs.Remove(seq);
                if (seq == seqs[^1] && _spare is null && new FileInfo(PathOf(seq)).Length == _packBytes)
                {
                    // The spare of the last run, never written: still all zeros, flushed when it was made.
                    var writer = File.OpenHandle(PathOf(seq), FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                    _spare = Task.FromResult(new Pack(seq) { Writer = writer, Sync = new GroupedSync(() => _flush(writer)) });
                }
                else
                {
                    File.Delete(PathOf(seq));
                }
            }
            else if (new FileInfo(PathOf(seq)).Length > pack.End)
            {
                using var handle = File.OpenHandle(PathOf(seq), FileMode.Open, FileAccess.Write);
                RandomAccess.SetLength(handle, pack.End);
            }
        }

        // The marks durable before anything is deleted: a power cut must not bring back a record a later one replaced.
        foreach (var seq in marked)
        {
            FlushPack(seq);
        }

        LogLoaded(_index.Count, _packs.Count);
    }

    private string PathOf(long seq) => Path.Combine(_directory, $"{seq:D10}.pack");

    [LoggerMessage(Level = LogLevel.Information, Message = "Packs loaded: {Objects} objects in {Packs} packs")]
    private partial void LogLoaded(int objects, int packs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Packed record of {Key} in pack {Pack} at {Offset} is damaged or was never completed; dropped")]
    private partial void LogDamagedRecord(string key, long pack, long offset);

    [LoggerMessage(Level = LogLevel.Error, Message = "fdatasync of pack(s) {Packs} failed for {Records} record(s), which are dropped; the pack is sealed, the next store starts a new one: {Reason}")]
    private partial void LogFlushFailed(string packs, int records, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Compacted pack {Pack}: {Moved} live records copied forward, pack deleted")]
    private partial void LogCompacted(long pack, int moved);

    /// <summary>A pack file and what this process knows of it. Mutable fields under the owner's lock.</summary>
    internal sealed class Pack(long seq)
    {
        public long Seq { get; } = seq;

        /// <summary>Where the next record goes: the end of the last record written.</summary>
        public long End { get; set; }

        /// <summary>Bytes of the records the index points at.</summary>
        public long Live { get; set; }

        /// <summary>Records written and not yet published or abandoned.</summary>
        public int Pending { get; set; }

        public bool Sealed { get; set; }

        public SafeFileHandle? Writer { get; set; }

        public GroupedSync? Sync { get; init; }
    }
}

/// <summary>Where a packed object lies: its pack, its record's offset, its file bytes' length, and its write time.</summary>
internal readonly record struct PackedEntry(long Pack, long Offset, int FileLength, long WrittenTicks)
{
    public long DataOffset => Offset + PackFile.HeaderSize;

    public DateTimeOffset Written => new(WrittenTicks, TimeSpan.Zero);

    public bool IsAfter(PackedEntry other) => Pack > other.Pack || (Pack == other.Pack && Offset > other.Offset);
}

/// <summary>A record written into a pack and not yet published.</summary>
internal sealed record PendingRecord(string Key, PackedObjects.Pack Pack, PackedEntry Entry);
