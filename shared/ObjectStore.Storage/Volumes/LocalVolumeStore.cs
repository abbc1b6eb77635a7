using System.Buffers;
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
/// </summary>
public sealed partial class LocalVolumeStore
{
    private const int ChunkSize = 16 * ObjectFileFormat.BlockSize;
    private readonly string _objects;
    private readonly string _temp;
    private readonly string _quarantine;
    private readonly TimeProvider _time;
    private readonly ILogger<LocalVolumeStore> _logger;

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
        _time = time;
        _logger = logger;
    }

    public string Root { get; }

    public long FreeBytes => new DriveInfo(Root).AvailableFreeSpace;

    public static bool IsValidTempId(string? id) =>
        id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>Streams a body into a temp file, hashing it on the way; the temp file is removed on any failure.</summary>
    public async Task<(ContentHash Hash, long Length)> WriteTempAsync(string tempId, Stream body, long? expectedLength, CancellationToken cancellationToken)
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
                var filled = await FillAsync(body, buffer.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false);
                if (filled == 0)
                {
                    break;
                }

                var chunk = buffer.AsMemory(0, filled);
                sha.AppendData(chunk.Span);
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

            var hash = sha.GetHashAndReset();
            var footer = new byte[ObjectFileFormat.FooterSize];
            ObjectFileFormat.WriteFooter(footer, length, hash, sums.WrittenSpan);
            await file.WriteAsync(sums.WrittenMemory, cancellationToken).ConfigureAwait(false);
            await file.WriteAsync(footer, cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
            return (ContentHash.FromBytes(hash), length);
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
    /// Publishes a temp upload under its hash after checking it is the hash the committer computed. When the hash is
    /// already stored (dedup) the temp file is dropped. Returns false when the temp upload does not exist.
    /// </summary>
    public bool Commit(string tempId, ContentHash expected)
    {
        var path = TempPath(tempId);
        ObjectFileFormat.Footer? footer;
        try
        {
            footer = ReadFooter(path);
        }
        catch (FileNotFoundException)
        {
            return false;
        }

        ContentHash? actual = footer is null ? null : ContentHash.FromBytes(footer.Value.Sha256);
        if (actual != expected)
        {
            TryDelete(path);
            throw new HashMismatchException(expected.Hex, actual?.Hex ?? "unreadable");
        }

        var target = ObjectPath(expected);
        if (File.Exists(target))
        {
            TryDelete(path);
            LogDeduplicated(expected.Hex);
            return true;
        }

        File.Move(path, target, overwrite: true);
        LogCommitted(expected.Hex, footer!.Value.Length);
        return true;
    }

    public bool DeleteTemp(string tempId) => TryDelete(TempPath(tempId));

    public bool Contains(ContentHash hash) => File.Exists(ObjectPath(hash));

    public bool Delete(ContentHash hash) => TryDelete(ObjectPath(hash));

    /// <summary>Opens a stored object for verified reading; null when absent. A bad footer quarantines it at once.</summary>
    public ObjectReader? OpenRead(ContentHash hash)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(ObjectPath(hash), FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        try
        {
            var fileLength = RandomAccess.GetLength(handle);
            var footerBytes = new byte[ObjectFileFormat.FooterSize];
            var footer = fileLength < ObjectFileFormat.FooterSize || RandomAccess.Read(handle, footerBytes, fileLength - ObjectFileFormat.FooterSize) != ObjectFileFormat.FooterSize
                ? null
                : ObjectFileFormat.ReadFooter(footerBytes, fileLength);
            if (footer is null)
            {
                throw new CorruptObjectException(hash.Hex, "footer is damaged");
            }

            var sums = new byte[ObjectFileFormat.BlockCount(footer.Value.Length) * ObjectFileFormat.SumSize];
            if (RandomAccess.Read(handle, sums, footer.Value.Length) != sums.Length
                || ObjectFileFormat.BlockSum(sums) != footer.Value.SumsChecksum
                || !footer.Value.Sha256.AsSpan().SequenceEqual(Convert.FromHexString(hash.Hex)))
            {
                throw new CorruptObjectException(hash.Hex, "block checksums are damaged");
            }

            return new ObjectReader(this, hash, handle, footer.Value.Length, sums);
        }
        catch (CorruptObjectException)
        {
            handle.Dispose();
            Quarantine(hash);
            throw;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Moves a bad object aside so locate stops reporting it; kept for inspection rather than deleted.</summary>
    internal void Quarantine(ContentHash hash)
    {
        var source = ObjectPath(hash);
        var target = Path.Combine(_quarantine, $"{hash.Hex}.{_time.GetUtcNow().ToUnixTimeMilliseconds()}");
        try
        {
            File.Move(source, target);
            LogQuarantined(hash.Hex);
        }
        catch (FileNotFoundException)
        {
        }
    }

    /// <summary>Removes temp uploads abandoned by a crashed or disconnected Api; returns how many.</summary>
    public int CleanTemp(TimeSpan maxAge)
    {
        var oldest = _time.GetUtcNow().UtcDateTime - maxAge;
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

    public IEnumerable<string> TempIds() => Directory.EnumerateFiles(_temp).Select(Path.GetFileName)!;

    private string TempPath(string tempId) =>
        IsValidTempId(tempId) ? Path.Combine(_temp, tempId) : throw new ArgumentException("temp id must be 32 lower-case hex digits", nameof(tempId));

    private string ObjectPath(ContentHash hash) => Path.Combine(_objects, hash.Hex);

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

    private static async Task<int> FillAsync(Stream body, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await body.ReadAsync(buffer[filled..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Committed {Hash} ({Length} bytes)")]
    private partial void LogCommitted(string hash, long length);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Hash} already stored; dropped the duplicate upload")]
    private partial void LogDeduplicated(string hash);

    [LoggerMessage(Level = LogLevel.Error, Message = "Object {Hash} failed verification and was quarantined")]
    private partial void LogQuarantined(string hash);
}
