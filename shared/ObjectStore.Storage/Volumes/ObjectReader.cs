using System.Buffers;
using Microsoft.Win32.SafeHandles;
using ObjectStore.Storage.Objects;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Volumes;

/// <summary>
/// Reads a stored object in whole 64 KiB blocks and checks each block's sum before any byte of it leaves, so a
/// corrupt block is never served. <see cref="StartAsync"/> reads and checks the first chunk before the caller
/// commits to a status code; a block that fails later ends the transfer with an exception.
/// </summary>
public sealed class ObjectReader : IAsyncDisposable
{
    private const int ChunkSize = 16 * ObjectFileFormat.BlockSize;
    private readonly LocalVolumeStore _store;
    private readonly SafeFileHandle _handle;
    private readonly long _start;
    private readonly byte[] _sums;
    private byte[]? _buffer;
    private ByteRange _range;
    private long _blockOffset;
    private int _pendingStart;
    private int _pendingEnd;

    /// <param name="start">Where the object's bytes begin in the file: 0 for a file of its own, after the header for a packed record.</param>
    internal ObjectReader(LocalVolumeStore store, StoredKey key, SafeFileHandle handle, long start, long length, byte[] sums)
    {
        _store = store;
        Key = key;
        _handle = handle;
        _start = start;
        Length = length;
        _sums = sums;
    }

    public StoredKey Key { get; }

    public long Length { get; }

    /// <summary>Reads and verifies the first chunk of <paramref name="range"/>; throws <see cref="CorruptObjectException"/> before anything is sent.</summary>
    public async Task StartAsync(ByteRange range, CancellationToken cancellationToken)
    {
        _range = range;
        _buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        _blockOffset = range.First / ObjectFileFormat.BlockSize * ObjectFileFormat.BlockSize;
        if (range.Length > 0)
        {
            await ReadChunkAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task CopyToAsync(Stream destination, CancellationToken cancellationToken)
    {
        if (_buffer is null)
        {
            throw new InvalidOperationException("StartAsync first.");
        }

        while (_pendingEnd > _pendingStart)
        {
            await destination.WriteAsync(_buffer.AsMemory(_pendingStart, _pendingEnd - _pendingStart), cancellationToken).ConfigureAwait(false);
            _pendingStart = _pendingEnd = 0;
            if (_blockOffset <= _range.Last)
            {
                await ReadChunkAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ReadChunkAsync(CancellationToken cancellationToken)
    {
        var want = (int)Math.Min(ChunkSize, Length - _blockOffset);
        var read = 0;
        while (read < want)
        {
            var n = await RandomAccess.ReadAsync(_handle, _buffer.AsMemory(read, want - read), _start + _blockOffset + read, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                Fail("file is shorter than recorded");
            }

            read += n;
        }

        for (var offset = 0; offset < read; offset += ObjectFileFormat.BlockSize)
        {
            var index = (_blockOffset + offset) / ObjectFileFormat.BlockSize;
            var block = _buffer.AsSpan(offset, Math.Min(ObjectFileFormat.BlockSize, read - offset));
            var expected = BitConverter.ToUInt64(_sums, (int)(index * ObjectFileFormat.SumSize));
            if (ObjectFileFormat.BlockSum(block) != expected)
            {
                Fail($"block {index} checksum mismatch");
            }
        }

        // Trim the verified chunk to the requested range.
        var chunkFirst = _blockOffset;
        var chunkLast = _blockOffset + read - 1;
        _pendingStart = (int)(Math.Max(chunkFirst, _range.First) - chunkFirst);
        _pendingEnd = (int)(Math.Min(chunkLast, _range.Last) - chunkFirst + 1);
        _blockOffset += read;
    }

    private void Fail(string detail)
    {
        _store.Quarantine(Key);
        throw new CorruptObjectException(Key.FileName, detail);
    }

    public ValueTask DisposeAsync()
    {
        _handle.Dispose();
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        return ValueTask.CompletedTask;
    }
}
