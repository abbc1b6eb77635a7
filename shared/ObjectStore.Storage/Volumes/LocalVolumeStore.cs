using System.Buffers;
using System.Buffers.Binary;
using System.IO.Enumeration;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Volumes;

/// <summary>
/// A data node's volume. Uploads stream into <c>temp/{id}</c> while being hashed, are fsynced, and become
/// visible only by an atomic rename to <c>objects/{sha256}</c> after the committer confirms the hash, so a cut-off
/// upload never leaves an object behind. Every path is built from a validated id or hash, never from a client name.
/// Durability: <see cref="CommitAsync"/> returns only after the file's data (fsync before the rename) and the rename
/// itself (fsync of <c>objects/</c>, grouped across concurrent commits by <see cref="DirectorySync"/>) are on disk, so
/// a committed object survives a power cut.
/// Small objects (at most <see cref="DataNodeOptions.PackedMaxBytes"/>) stored in one request go into packs instead
/// (<see cref="PackedObjects"/>): the same bytes, checked the same way, a record in a shared file rather than a file each.
/// </summary>
public sealed partial class LocalVolumeStore : IDisposable
{
    private const int ChunkSize = 16 * ObjectFileFormat.BlockSize;
    private readonly string _objects;
    private readonly string _temp;
    private readonly string _quarantine;
    private long _quarantined;
    private readonly DirectorySync _objectsSync;
    private readonly TimeProvider _time;
    private readonly object[] _keyLocks = Enumerable.Range(0, 64).Select(_ => new object()).ToArray();
    private readonly DateTime _startedAt;
    private readonly ILogger<LocalVolumeStore> _logger;
    private readonly Lazy<string?> _volumeId;
    private readonly PackedObjects _packed;
    private readonly int _packedMaxBytes;

    public LocalVolumeStore(IOptions<DataNodeOptions> options, TimeProvider time, ILogger<LocalVolumeStore> logger)
    {
        var root = options.Value.StorageRoot;
        if (string.IsNullOrWhiteSpace(root))
        {
            throw new InvalidOperationException("STORAGE_ROOT is not configured.");
        }

        Root = Path.GetFullPath(root);
        _objects = Directory.CreateDirectory(Path.Combine(Root, "objects")).FullName;
        _temp = Directory.CreateDirectory(Path.Combine(Root, "temp")).FullName;
        _quarantine = Directory.CreateDirectory(Path.Combine(Root, "quarantine")).FullName;
        _objectsSync = new DirectorySync(_objects);
        _time = time;
        _logger = logger;
        _startedAt = time.GetUtcNow().UtcDateTime;
        _volumeId = new Lazy<string?>(() => VolumeIdentity.Of(Root));
        _packedMaxBytes = options.Value.PackedMaxBytes;
        _packed = new PackedObjects(Path.Combine(Root, "packs"), options.Value.PackFileBytes, logger);
    }

    public void Dispose() => _packed.Dispose();

    /// <summary>The packs: how many, the bytes of their records, and the bytes of the live ones.</summary>
    public (int Packs, long Bytes, long LiveBytes) PackUsage => _packed.Usage();

    /// <summary>Copies what is still live out of mostly deleted packs and removes them; returns how many packs went.</summary>
    public Task<int> CompactPacksAsync(CancellationToken cancellationToken) => _packed.CompactAsync(0.5, 4, cancellationToken);

    public string Root { get; }

    public long FreeBytes => new DriveInfo(Root).AvailableFreeSpace;

    /// <summary>New with every start of this process: a node restarted (its disk maybe replaced) is told from one that was not.</summary>
    public string Instance { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Files this process has found damaged and moved aside since it started.</summary>
    public long Quarantined => Interlocked.Read(ref _quarantined);

    /// <summary>The filesystem the volume is on (<see cref="VolumeIdentity"/>), or null when it cannot be told.</summary>
    public string? VolumeId => _volumeId.Value;

    public static bool IsValidTempId(string? id) =>
        id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>
    /// Streams a body into a temp file, with a checksum per block and, for a whole object, its SHA-256 (a shard has no
    /// content hash of its own to check, so <paramref name="hashContent"/> false spares the node that work); the temp
    /// file is removed on any failure.
    /// </summary>
    public async Task<TempWrite> WriteTempAsync(string tempId, Stream body, long? expectedLength, CancellationToken cancellationToken, bool hashContent = true)
    {
        var path = TempPath(tempId);

        // Opened before the clean-up scope: an id already in use fails here and its upload is left alone.
        await using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0,
            Options = FileOptions.Asynchronous,
            PreallocationSize = expectedLength ?? 0,
        });
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var sums = new ArrayBufferWriter<byte>();
        try
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long length = 0;
            while (true)
            {
                var filled = await body.ReadAtLeastAsync(buffer.AsMemory(0, ChunkSize), ChunkSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (filled == 0)
                {
                    break;
                }

                var chunk = buffer.AsMemory(0, filled);
                if (hashContent)
                {
                    sha.AppendData(chunk.Span);
                }

                for (var offset = 0; offset < filled; offset += ObjectFileFormat.BlockSize)
                {
                    var block = chunk.Span.Slice(offset, Math.Min(ObjectFileFormat.BlockSize, filled - offset));
                    BitConverter.TryWriteBytes(sums.GetSpan(ObjectFileFormat.SumSize), ObjectFileFormat.BlockSum(block));
                    sums.Advance(ObjectFileFormat.SumSize);
                }

                await file.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
                length += filled;
                if (expectedLength is { } max && length > max)
                {
                    throw new BodyLengthException(max, length);
                }

                if (filled < ChunkSize)
                {
                    break;
                }
            }

            if (expectedLength is { } expected && length != expected)
            {
                throw new BodyLengthException(expected, length);
            }

            var hash = hashContent ? sha.GetHashAndReset() : new byte[ContentHash.Size];
            var footer = new byte[ObjectFileFormat.FooterSize];
            ObjectFileFormat.WriteFooter(footer, length, hash, sums.WrittenSpan);
            await file.WriteAsync(sums.WrittenMemory, cancellationToken).ConfigureAwait(false);
            await file.WriteAsync(footer, cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
            return new TempWrite(ContentHash.FromBytes(hash), length, ObjectFileFormat.BlockSum(sums.WrittenSpan));
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            TryDelete(path);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Publishes a temp upload under its key, durably (see the class summary). Returns false when the temp upload does
    /// not exist.
    /// </summary>
    public async Task<bool> CommitAsync(string tempId, StoredKey key, CancellationToken cancellationToken)
    {
        var renamed = Commit(tempId, key, out var found);
        if (renamed)
        {
            await _objectsSync.SyncAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return found;
    }

    /// <summary>
    /// Stores a whole object or shard in one call: a temp upload (fsynced), checked against its key, then committed
    /// durably. The temp file is removed on any failure.
    /// </summary>
    /// <param name="blockChecksum">
    /// What the sender computed over the body (<see cref="Cluster.DataNodeProtocol.BlockChecksums"/>); when given, other
    /// bytes are refused before they are published. A shard has no hash to be checked against, so only this vouches for it.
    /// </param>
    public async Task<TempWrite> StoreAsync(StoredKey key, Stream body, long? expectedLength, CancellationToken cancellationToken, ulong? blockChecksum = null)
    {
        if (expectedLength is { } known and >= 0 and <= ChunkSize)
        {
            return await StoreSmallAsync(key, body, (int)known, blockChecksum, cancellationToken).ConfigureAwait(false);
        }

        var tempId = Guid.NewGuid().ToString("N");
        var written = await WriteTempAsync(tempId, body, expectedLength, cancellationToken, hashContent: key.Shard is null).ConfigureAwait(false);
        try
        {
            CheckBlockChecksum(blockChecksum, written.BlockChecksum);
            await CommitAsync(tempId, key, cancellationToken).ConfigureAwait(false);
            return written;
        }
        finally
        {
            TryDelete(TempPath(tempId));
        }
    }

    /// <summary>
    /// <see cref="StoreAsync"/> of a body that fits one chunk (the Api's small PUTs): read whole into a pooled buffer
    /// and checked before anything touches the disk, so a wrong hash or short body writes nothing, and content already
    /// here intact is not written again. Then one gathered write of data, sums and footer, fsync, rename, directory
    /// fsync, all synchronous: for a few KiB, .NET's asynchronous file calls cost a thread-pool hop each, and the
    /// streaming path's preallocation, footer read-back and separate temp-file delete cost syscalls per object (perf).
    /// </summary>
    private async Task<TempWrite> StoreSmallAsync(StoredKey key, Stream body, int length, ulong? blockChecksum, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(SmallFileBytes(length) + 1);
        try
        {
            var read = await body.ReadAtLeastAsync(buffer.AsMemory(0, length + 1), length + 1, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read != length)
            {
                throw new BodyLengthException(length, read);
            }

            var file = PrepareSmall(key, buffer, length, blockChecksum);
            if (file.Intact)
            {
                LogDeduplicated(key.FileName);
                return file.Written;
            }

            if (length <= _packedMaxBytes)
            {
                await _packed.PublishAsync([WritePacked(key, file)]).ConfigureAwait(false);
                LogCommitted(key.FileName, length);
                return file.Written;
            }

            var temp = WriteSmallTemp(file);
            try
            {
                using (temp.Handle)
                {
                    RandomAccess.FlushToDisk(temp.Handle);
                }

                Publish(temp.Path, file.Target);
            }
            catch
            {
                TryDelete(temp.Path);
                throw;
            }

            LogCommitted(key.FileName, length);
            await _objectsSync.SyncAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return file.Written;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The bytes of a stored file of <paramref name="length"/> content bytes: content, block sums, footer.</summary>
    private static int SmallFileBytes(int length) => length + ((int)ObjectFileFormat.BlockCount(length) * ObjectFileFormat.SumSize) + ObjectFileFormat.FooterSize;

    /// <summary>
    /// Lays out the file of the content in <paramref name="buffer"/>[..<paramref name="length"/>] — its block sums and
    /// footer after it, in the same buffer — and checks it against its key (a whole object's hash) and the sender's
    /// block checksum, so that nothing touches the disk for bytes that are not what they claim.
    /// </summary>
    private SmallFile PrepareSmall(StoredKey key, byte[] buffer, int length, ulong? blockChecksum)
    {
        var sumsLength = (int)ObjectFileFormat.BlockCount(length) * ObjectFileFormat.SumSize;
        var data = buffer.AsMemory(0, length);
        var sums = buffer.AsMemory(length, sumsLength);
        for (var offset = 0; offset < length; offset += ObjectFileFormat.BlockSize)
        {
            var block = data.Span.Slice(offset, Math.Min(ObjectFileFormat.BlockSize, length - offset));
            BitConverter.TryWriteBytes(sums.Span[(offset / ObjectFileFormat.BlockSize * ObjectFileFormat.SumSize)..], ObjectFileFormat.BlockSum(block));
        }

        var hash = key.Shard is null ? SHA256.HashData(data.Span) : new byte[ContentHash.Size];
        if (key.Shard is null && ContentHash.FromBytes(hash) != key.Hash)
        {
            throw new HashMismatchException(key.Hash.Hex, Convert.ToHexStringLower(hash));
        }

        var footer = buffer.AsMemory(length + sumsLength, ObjectFileFormat.FooterSize);
        ObjectFileFormat.WriteFooter(footer.Span, length, hash, sums.Span);
        var written = new TempWrite(ContentHash.FromBytes(hash), length, ObjectFileFormat.BlockSum(sums.Span));
        CheckBlockChecksum(blockChecksum, written.BlockChecksum);
        var intact = KeepIfIntact(key, new ObjectFileFormat.Footer(length, hash, BinaryPrimitives.ReadUInt64LittleEndian(footer.Span[56..])));
        return new SmallFile(written, ObjectPath(key), [data, sums, footer], intact);
    }

    /// <summary>
    /// Writes a prepared file under a new temp name in one gathered write, synchronously: for a few KiB, .NET's
    /// asynchronous file calls cost a thread-pool hop each. The file stays open, so that a batch fsyncs its files
    /// through the handles it wrote them with rather than opening each again (an open, a seek and a close fewer a
    /// file). Nothing is left behind if this throws.
    /// </summary>
    private SmallTemp WriteSmallTemp(SmallFile file)
    {
        var path = TempPath(Guid.NewGuid().ToString("N"));
        SafeFileHandle? handle = null;
        try
        {
            handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write);
            RandomAccess.Write(handle, file.Parts, 0);
            return new SmallTemp(path, handle);
        }
        catch
        {
            handle?.Dispose();
            TryDelete(path);
            throw;
        }
    }

    /// <summary>Writes a prepared small file as a record of the active pack, not yet flushed nor visible.</summary>
    private PendingRecord WritePacked(StoredKey key, SmallFile file) =>
        _packed.Write(key.FileName, file.Parts, SmallFileBytes((int)file.Written.Length), DateTime.UtcNow);

    /// <summary>A written, not yet fsynced temp file and its open handle.</summary>
    private readonly record struct SmallTemp(string Path, SafeFileHandle Handle);

    /// <summary>A small file laid out and checked in memory; <see cref="Intact"/> when its target already holds exactly these bytes.</summary>
    private readonly record struct SmallFile(TempWrite Written, string Target, ReadOnlyMemory<byte>[] Parts, bool Intact);

    private static void CheckBlockChecksum(ulong? expected, ulong actual)
    {
        if (expected is { } sent && sent != actual)
        {
            throw new BlockChecksumMismatchException(sent, actual);
        }
    }

    /// <summary>The rename of <see cref="CommitAsync"/>, without waiting for the directory fsync.</summary>
    internal bool Commit(string tempId, StoredKey key) => Commit(tempId, key, out var found) || found;

    /// <summary>
    /// A whole object is checked against the hash in its key; a shard's content has no hash of its own, so the
    /// committer checks the block checksums the upload answered with. When the key is already stored (dedup) the
    /// temp file is dropped. True when a rename happened; <paramref name="found"/> false when the temp upload does not exist.
    /// </summary>
    private bool Commit(string tempId, StoredKey key, out bool found)
    {
        found = true;
        var path = TempPath(tempId);
        ObjectFileFormat.Footer? footer;
        try
        {
            footer = ReadFooter(path);
        }
        catch (FileNotFoundException)
        {
            found = false;
            return false;
        }

        ContentHash? actual = footer is null ? null : ContentHash.FromBytes(footer.Value.Sha256);
        if (actual is null || (key.Shard is null && actual != key.Hash))
        {
            TryDelete(path);
            throw new HashMismatchException(key.Hash.Hex, actual?.Hex ?? "unreadable");
        }

        var target = ObjectPath(key);
        if (KeepIfIntact(key, footer!.Value))
        {
            TryDelete(path);
            LogDeduplicated(key.FileName);
            return false;
        }

        Publish(path, target);
        LogCommitted(key.FileName, footer!.Value.Length);
        return true;
    }

    public bool DeleteTemp(string tempId) => TryDelete(TempPath(tempId));

    public bool Contains(StoredKey key) => _packed.TryGet(key.FileName, out _) || File.Exists(ObjectPath(key));

    /// <summary>
    /// Deletes a stored object; with <paramref name="writtenBy"/>, only if it was last written by then (what a listing
    /// reported), so that bytes a PUT stored or found intact since are kept. Under the key's lock, as publishing and
    /// finding intact are: the check and the delete see the same file.
    /// </summary>
    public DeleteOutcome Delete(StoredKey key, DateTimeOffset? writtenBy = null)
    {
        var packed = DeletePacked(key.FileName, writtenBy);
        if (packed == DeleteOutcome.WrittenSince)
        {
            return packed;
        }

        var path = ObjectPath(key);
        lock (LockFor(path))
        {
            // A missing file's write time reads as 1601: never after any listing, so it falls through to NotHere.
            if (writtenBy is { } by && File.GetLastWriteTimeUtc(path) > by.UtcDateTime)
            {
                return DeleteOutcome.WrittenSince;
            }

            return TryDelete(path) || packed == DeleteOutcome.Deleted ? DeleteOutcome.Deleted : DeleteOutcome.NotHere;
        }
    }

    /// <summary><see cref="Delete"/> of a packed record: compare and remove, again if it was replaced or touched meanwhile.</summary>
    private DeleteOutcome DeletePacked(string name, DateTimeOffset? writtenBy)
    {
        while (_packed.TryGet(name, out var entry))
        {
            if (writtenBy is { } by && entry.Written > by)
            {
                return DeleteOutcome.WrittenSince;
            }

            if (_packed.Remove(name, entry))
            {
                return DeleteOutcome.Deleted;
            }
        }

        return DeleteOutcome.NotHere;
    }

    /// <summary>Opens a stored object for verified reading; null when absent. A bad footer quarantines it at once.</summary>
    public ObjectReader? OpenRead(StoredKey key)
    {
        if (_packed.OpenRead(key.FileName, out var entry) is { } packed)
        {
            return OpenVerified(key, packed, entry.DataOffset, entry.FileLength);
        }

        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(ObjectPath(key), FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        long fileLength;
        try
        {
            fileLength = RandomAccess.GetLength(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        return OpenVerified(key, handle, 0, fileLength);
    }

    /// <summary>
    /// Checks the footer and block sums of the object file at <paramref name="start"/> in <paramref name="handle"/> (a
    /// file of its own, or a record in a pack) and hands the handle to a reader; a bad one is quarantined.
    /// </summary>
    private ObjectReader OpenVerified(StoredKey key, SafeFileHandle handle, long start, long fileLength)
    {
        try
        {
            var footerBytes = new byte[ObjectFileFormat.FooterSize];
            var footer = fileLength < ObjectFileFormat.FooterSize || RandomAccess.Read(handle, footerBytes, start + fileLength - ObjectFileFormat.FooterSize) != ObjectFileFormat.FooterSize
                ? null
                : ObjectFileFormat.ReadFooter(footerBytes, fileLength);
            if (footer is null)
            {
                throw new CorruptObjectException(key.FileName, "footer is damaged");
            }

            var sums = new byte[ObjectFileFormat.BlockCount(footer.Value.Length) * ObjectFileFormat.SumSize];
            if (RandomAccess.Read(handle, sums, start + footer.Value.Length) != sums.Length
                || ObjectFileFormat.BlockSum(sums) != footer.Value.SumsChecksum
                || (key.Shard is null && !footer.Value.Sha256.AsSpan().SequenceEqual(Convert.FromHexString(key.Hash.Hex))))
            {
                throw new CorruptObjectException(key.FileName, "block checksums are damaged");
            }

            return new ObjectReader(this, key, handle, start, footer.Value.Length, sums);
        }
        catch (CorruptObjectException)
        {
            handle.Dispose();
            Quarantine(key);
            throw;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Moves a bad object aside so locate stops reporting it; kept for inspection rather than deleted.</summary>
    internal void Quarantine(StoredKey key)
    {
        var source = ObjectPath(key);
        var target = Path.Combine(_quarantine, $"{key.FileName}.{_time.GetUtcNow().ToUnixTimeMilliseconds()}");
        if (_packed.TryGet(key.FileName, out var entry))
        {
            QuarantinePacked(key.FileName, entry, target);
            return;
        }

        try
        {
            File.Move(source, target);
            Interlocked.Increment(ref _quarantined);
            LogQuarantined(key.FileName);
        }
        catch (FileNotFoundException)
        {
        }
    }

    /// <summary>A packed record's bytes are copied aside as a file and the record deleted.</summary>
    private void QuarantinePacked(string name, PackedEntry entry, string target)
    {
        var bytes = new byte[entry.FileLength];
        try
        {
            _packed.Read(entry, 0, bytes);
            File.WriteAllBytes(target, bytes);
        }
        catch (IOException)
        {
            // Kept for inspection when it can be; what matters is that it stops being served.
        }

        if (_packed.Remove(name, entry))
        {
            Interlocked.Increment(ref _quarantined);
            LogQuarantined(name);
        }
    }

    /// <summary>
    /// Removes temp uploads abandoned by a crashed or disconnected Api, and any left from before this process started
    /// (no upload survives a node restart); returns how many.
    /// </summary>
    public int CleanTemp(TimeSpan maxAge)
    {
        var oldest = _time.GetUtcNow().UtcDateTime - maxAge;
        if (_startedAt > oldest)
        {
            oldest = _startedAt;
        }

        var removed = 0;
        foreach (var file in new DirectoryInfo(_temp).EnumerateFiles())
        {
            if (file.LastWriteTimeUtc < oldest && TryDelete(file.FullName))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Every stored object and shard on this volume.</summary>
    public IEnumerable<StoredKey> Keys()
    {
        foreach (var (name, _) in _packed.Entries)
        {
            if (StoredKey.TryParse(name, out var key))
            {
                yield return key;
            }
        }

        foreach (var file in Directory.EnumerateFiles(_objects))
        {
            var name = Path.GetFileName(file);
            if (!_packed.TryGet(name, out _) && StoredKey.TryParse(name, out var key))
            {
                yield return key;
            }
        }
    }

    /// <summary>
    /// One page of what this volume holds, in key order after <paramref name="after"/>, with each file's last write time,
    /// for the Api's sweep and repair scan against the content records. Each page reads the directory once and keeps the
    /// smallest <paramref name="limit"/> names: O(files) per page, but a name that cannot be on the page is compared
    /// where the directory entry lies, without a string or a stat (a scan of 25,000 files in pages of 1,000 cost a node
    /// ~10 s of CPU with a FileInfo per entry).
    /// </summary>
    public IReadOnlyList<HeldKey> ListHeld(string? after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var page = new PriorityQueue<string, string>(Comparer<string>.Create((a, b) => string.CompareOrdinal(b, a)));
        var inPage = new HashSet<string>(StringComparer.Ordinal);
        void Offer(string name)
        {
            if (!inPage.Add(name))
            {
                return;
            }

            page.Enqueue(name, name);
            if (page.Count > limit)
            {
                inPage.Remove(page.Dequeue());
            }
        }

        foreach (var (name, _) in _packed.Entries)
        {
            if ((after is null || string.CompareOrdinal(name, after) > 0) && (page.Count < limit || string.CompareOrdinal(name, page.Peek()) < 0))
            {
                Offer(name);
            }
        }

        var names = new FileSystemEnumerable<string>(_objects, static (ref FileSystemEntry entry) => entry.FileName.ToString())
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) =>
                !entry.IsDirectory
                && (after is null || entry.FileName.CompareTo(after, StringComparison.Ordinal) > 0)
                && (page.Count < limit || entry.FileName.CompareTo(page.Peek(), StringComparison.Ordinal) < 0),
        };
        foreach (var name in names)
        {
            if (StoredKey.TryParse(name, out _))
            {
                Offer(name);
            }
        }

        var held = new List<HeldKey>(page.Count);
        while (page.TryDequeue(out var name, out _))
        {
            // Deleted since it was listed: it is not held any more. Held both ways (a large PUT's file, then a small
            // store found it intact... or not): the later write time, as a delete compares against both.
            var written = File.GetLastWriteTimeUtc(Path.Combine(_objects, name));
            if (_packed.TryGet(name, out var entry) && entry.WrittenTicks > written.Ticks)
            {
                written = new DateTime(entry.WrittenTicks, DateTimeKind.Utc);
            }

            if (written.Year > 1601)
            {
                held.Add(new HeldKey(name, new DateTimeOffset(written, TimeSpan.Zero)));
            }
        }

        held.Reverse();
        return held;
    }

    public IEnumerable<string> TempIds() => Directory.EnumerateFiles(_temp).Select(Path.GetFileName)!;

    private string TempPath(string tempId) =>
        IsValidTempId(tempId) ? Path.Combine(_temp, tempId) : throw new ArgumentException("temp id must be 32 lower-case hex digits", nameof(tempId));

    private string ObjectPath(StoredKey key) => Path.Combine(_objects, key.FileName);

    /// <summary>
    /// Whether <paramref name="target"/> already holds these bytes intact; if so it counts as written now (its write
    /// time is set), so that a collector's sweep that listed it as old and unknown before this store cannot delete it
    /// once the PUT commits (<see cref="Delete"/> compares the write time it listed).
    /// </summary>
    private bool KeepIfIntact(StoredKey key, ObjectFileFormat.Footer footer)
    {
        if (_packed.TryGet(key.FileName, out var entry) && PackedIntact(entry, footer) && _packed.Touch(key.FileName, entry))
        {
            return true;
        }

        var target = ObjectPath(key);
        lock (LockFor(target))
        {
            if (!HoldsIntact(target, footer))
            {
                return false;
            }

            try
            {
                // The file system's clock, as every write time a listing reports is.
                File.SetLastWriteTimeUtc(target, DateTime.UtcNow);
                return true;
            }
            catch (FileNotFoundException)
            {
                // Moved aside meanwhile (the scrub's quarantine does not take the lock): written anew instead.
                return false;
            }
        }
    }

    /// <summary>Renames a written temp file to its key, under the key's lock (see <see cref="Delete"/>).</summary>
    private void Publish(string temp, string target)
    {
        lock (LockFor(target))
        {
            File.Move(temp, target, overwrite: true);
        }
    }

    private object LockFor(string path) => _keyLocks[(uint)StringComparer.Ordinal.GetHashCode(path) % (uint)_keyLocks.Length];

    /// <summary>
    /// Same key, same bytes by construction (a whole copy is named by its hash, a shard by content and layout), unless
    /// the stored one has rotted: true only when the file there has this footer's sums and hash.
    /// </summary>
    private static bool HoldsIntact(string target, ObjectFileFormat.Footer footer) =>
        File.Exists(target) && ReadFooterOrNull(target) is { } stored && stored.SumsChecksum == footer.SumsChecksum
        && stored.Sha256.AsSpan().SequenceEqual(footer.Sha256);

    /// <summary><see cref="HoldsIntact"/> for a packed record.</summary>
    private bool PackedIntact(PackedEntry entry, ObjectFileFormat.Footer footer)
    {
        var bytes = new byte[ObjectFileFormat.FooterSize];
        try
        {
            _packed.Read(entry, entry.FileLength - ObjectFileFormat.FooterSize, bytes);
        }
        catch (IOException)
        {
            return false;
        }

        return ObjectFileFormat.ReadFooter(bytes, entry.FileLength) is { } stored
            && stored.SumsChecksum == footer.SumsChecksum && stored.Sha256.AsSpan().SequenceEqual(footer.Sha256);
    }

    private static ObjectFileFormat.Footer? ReadFooterOrNull(string path)
    {
        try
        {
            return ReadFooter(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static ObjectFileFormat.Footer? ReadFooter(string path)
    {
        using var handle = File.OpenHandle(path);
        var length = RandomAccess.GetLength(handle);
        if (length < ObjectFileFormat.FooterSize)
        {
            return null;
        }

        var footer = new byte[ObjectFileFormat.FooterSize];
        RandomAccess.Read(handle, footer, length - ObjectFileFormat.FooterSize);
        return ObjectFileFormat.ReadFooter(footer, length);
    }

    private static bool TryDelete(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return false;
            }

            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Committed {Key} ({Length} bytes)")]
    private partial void LogCommitted(string key, long length);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Key} already stored; dropped the duplicate upload")]
    private partial void LogDeduplicated(string key);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Key} failed verification and was quarantined")]
    private partial void LogQuarantined(string key);
}

/// <summary>
/// A stored file's key and when it was written (a commit keeps the upload's time: the rename does not change it; a
/// store that finds the file already intact sets it to then).
/// </summary>
public sealed record HeldKey(string Key, DateTimeOffset Written);

/// <summary>What <see cref="LocalVolumeStore.Delete"/> did.</summary>
public enum DeleteOutcome
{
    Deleted,
    NotHere,

    /// <summary>Kept: written after the time the caller listed it at.</summary>
    WrittenSince,
}

/// <summary>What a data node computed for an upload: the content's SHA-256, its length, and the XxHash3 of its block checksums.</summary>
public sealed record TempWrite(ContentHash Hash, long Length, ulong BlockChecksum)
{
    public void Deconstruct(out ContentHash hash, out long length)
    {
        hash = Hash;
        length = Length;
    }
}
