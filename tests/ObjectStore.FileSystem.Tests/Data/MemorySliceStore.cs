using System.Collections.Concurrent;
using ObjectStore.FileSystem.Data;
using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Tests.Data;

/// <summary>Slice blocks in a dictionary, with counters, an "Api down" switch and a gate that holds uploads back.</summary>
internal sealed class MemorySliceStore : ISliceStore
{
    private readonly ConcurrentDictionary<(ulong SliceId, int Block), byte[]> _blocks = new();
    private volatile TaskCompletionSource? _uploadGate;
    private int _putsWaiting;

    public bool Unavailable { get; set; }

    public int Puts;
    public int BlockReads;
    public int RangeReads;
    public int Deletes;

    public IReadOnlyCollection<(ulong SliceId, int Block)> Keys => [.. _blocks.Keys];

    public int PutsWaiting => Volatile.Read(ref _putsWaiting);

    public bool Contains(ulong sliceId, int block) => _blocks.ContainsKey((sliceId, block));

    public byte[] Block(ulong sliceId, int block) => _blocks[(sliceId, block)];

    public void Corrupt(ulong sliceId, int block) => _blocks[(sliceId, block)][0] ^= 0xFF;

    /// <summary>From now on uploads wait until <see cref="OpenUploads"/>.</summary>
    public void HoldUploads() => _uploadGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void OpenUploads() => _uploadGate?.TrySetResult();

    public async Task PutBlockAsync(ulong sliceId, int block, IReadOnlyList<ReadOnlyMemory<byte>> segments, CancellationToken ct)
    {
        if (_uploadGate is { } gate)
        {
            Interlocked.Increment(ref _putsWaiting);
            try
            {
                await gate.Task.WaitAsync(ct);
            }
            finally
            {
                Interlocked.Decrement(ref _putsWaiting);
            }
        }

        ThrowIfUnavailable();
        var bytes = new byte[segments.Sum(s => s.Length)];
        var at = 0;
        foreach (var segment in segments)
        {
            segment.CopyTo(bytes.AsMemory(at));
            at += segment.Length;
        }

        Assert.True(bytes.Length <= FileLayout.BlockSize, $"block of {bytes.Length} bytes");
        Assert.True(_blocks.TryAdd((sliceId, block), bytes) || _blocks[(sliceId, block)].AsSpan().SequenceEqual(bytes), $"block {block} of slice {sliceId} rewritten with other bytes");
        Interlocked.Increment(ref Puts);
    }

    public Task ReadBlockAsync(ulong sliceId, int block, Memory<byte> destination, CancellationToken ct)
    {
        ThrowIfUnavailable();
        Interlocked.Increment(ref BlockReads);
        var bytes = Find(sliceId, block);
        if (bytes.Length != destination.Length)
        {
            throw new FileSystemException(Errno.EIO, $"block {block} of slice {sliceId} has {bytes.Length} bytes, {destination.Length} asked for");
        }

        bytes.CopyTo(destination);
        return Task.CompletedTask;
    }

    public Task ReadRangeAsync(ulong sliceId, int block, int offset, Memory<byte> destination, CancellationToken ct)
    {
        ThrowIfUnavailable();
        Interlocked.Increment(ref RangeReads);
        Find(sliceId, block).AsMemory(offset, destination.Length).CopyTo(destination);
        return Task.CompletedTask;
    }

    public Task DeleteBlockAsync(ulong sliceId, int block, CancellationToken ct)
    {
        ThrowIfUnavailable();
        Interlocked.Increment(ref Deletes);
        _blocks.TryRemove((sliceId, block), out _);
        return Task.CompletedTask;
    }

    private byte[] Find(ulong sliceId, int block) =>
        _blocks.TryGetValue((sliceId, block), out var bytes) ? bytes : throw new SliceBlockMissingException(sliceId, block);

    private void ThrowIfUnavailable()
    {
        if (Unavailable)
        {
            throw new FileSystemException(Errno.EIO, "store unavailable (test)");
        }
    }
}
