using System.Buffers;

namespace ObjectStore.FileSystem.Data;

/// <summary>
/// The bytes of one read, held for the caller until it disposes the lease: a range of a cached block itself (the block
/// cannot be freed or reused meanwhile, whatever the cache evicts), or a pooled buffer the bytes were copied into when
/// they do not lie in one cached block. The first saves a copy of every byte that a large sequential read returns.
/// </summary>
public sealed class ReadLease : IDisposable
{
    private CachedBlock? _block;
    private byte[]? _rented;

    private ReadLease(ReadOnlyMemory<byte> data, CachedBlock? block, byte[]? rented)
    {
        Data = data;
        _block = block;
        _rented = rented;
    }

    /// <summary>The bytes read; valid until <see cref="Dispose"/>. Empty at the end of the file.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>A range of a block the caller holds a reference to; the lease takes that reference over.</summary>
    internal static ReadLease InBlock(CachedBlock block, int offset, int length) => new(block.Data.Slice(offset, length), block, null);

    /// <summary>The first <paramref name="length"/> bytes of a buffer rented from <see cref="ArrayPool{T}.Shared"/>; the lease returns it.</summary>
    internal static ReadLease Rented(byte[] buffer, int length) => new(buffer.AsMemory(0, length), null, buffer);

    public void Dispose()
    {
        Interlocked.Exchange(ref _block, null)?.Release();
        if (Interlocked.Exchange(ref _rented, null) is { } rented)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
