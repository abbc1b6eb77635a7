using System.Buffers;
using ObjectStore.Erasure;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// Reads an erasure-coded version: the data shards when they are all there (no decoding), and when a shard is
/// missing, corrupt (its node cuts the stream before a bad block) or late, a parity shard from the same stripe on,
/// decoding each stripe from whichever K shards it has. Only K shard streams are ever open, so the first byte waits
/// for no more nodes than needed. Every shard that failed is reported so it can be rebuilt.
/// </summary>
internal sealed class StripedSource : IObjectSource
{
    /// <summary>Stripes read per shard stream at once: 8 × 64 KiB, so (K+M) × 512 KiB of buffers per read.</summary>
    private const int BatchStripes = 8;

    private static readonly TimeSpan CellTimeout = TimeSpan.FromSeconds(5);

    private readonly ObjectLayout _layout;
    private readonly ContentHash _hash;
    private readonly long _size;
    private readonly ByteRange _range;
    private readonly IDataNodeClient _client;
    private readonly ReedSolomonCodec _codec;
    private readonly Action<int, string> _reportBadShard;
    private readonly Dictionary<int, Queue<string>> _holders;
    private readonly Dictionary<int, Stream> _streams = [];
    private readonly HashSet<int> _failed = [];

    private StripedSource(ObjectLayout layout, ContentHash hash, long size, ByteRange range, IDataNodeClient client, ReedSolomonCodec codec, Dictionary<int, Queue<string>> holders, Action<int, string> reportBadShard)
    {
        _layout = layout;
        _hash = hash;
        _size = size;
        _range = range;
        _client = client;
        _codec = codec;
        _holders = holders;
        _reportBadShard = reportBadShard;
    }

    private long FirstStripe => _range.First / _layout.StripeSize;

    private long LastStripe => _range.Last / _layout.StripeSize;

    /// <summary>Opens K shard streams; throws <see cref="StoreUnavailableException"/> when fewer than K shards can be had.</summary>
    public static async Task<StripedSource> OpenAsync(
        ObjectLayout layout, ContentHash hash, long size, ByteRange range, IReadOnlyList<LocateReply> replies,
        IDataNodeClient client, ReedSolomonCodec codec, Action<int, string> reportBadShard, CancellationToken cancellationToken)
    {
        var holders = Enumerable.Range(0, layout.TotalShards).ToDictionary(
            i => i,
            i => new Queue<string>(replies.Where(r => r.Shards?.Contains(i) == true).Select(r => r.Address).Distinct(StringComparer.Ordinal)));
        foreach (var (index, queue) in holders)
        {
            if (queue.Count == 0)
            {
                reportBadShard(index, "no live node holds it");
            }
        }

        var source = new StripedSource(layout, hash, size, range, client, codec, holders, reportBadShard);
        if (size == 0)
        {
            return source;
        }

        try
        {
            // The data shards are asked for at once: each waits for its node's first checked chunk (a few ms), and one
            // after another those waits added up before the first byte of the object could go out.
            var opening = Enumerable.Range(0, layout.DataShards)
                .Select(index => source.OpenShardAsync(index, source.FirstStripe, cancellationToken))
                .ToList();
            try
            {
                await Task.WhenAll(opening).ConfigureAwait(false);
            }
            finally
            {
                // Kept even when another open threw, so that DisposeAsync closes them.
                foreach (var (index, open) in opening.Select((task, index) => (index, task)))
                {
                    if (open.IsCompletedSuccessfully && open.Result is { } stream)
                    {
                        source._streams[index] = stream;
                    }
                    else if (open.IsCompletedSuccessfully)
                    {
                        source._failed.Add(index);
                    }
                }
            }

            // A data shard that could not be had is replaced by a parity shard, one at a time.
            while (source._streams.Count < layout.DataShards)
            {
                if (await source.OpenNextAsync(source.FirstStripe, cancellationToken).ConfigureAwait(false) is null)
                {
                    throw new StoreUnavailableException(
                        $"only {source._streams.Count} of the {layout.DataShards} shards needed to read {hash} ({layout}) are available");
                }
            }

            return source;
        }
        catch
        {
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens the lowest-numbered shard not yet open or failed, from <paramref name="stripe"/> to the end of the range; null when none is left.</summary>
    private async Task<int?> OpenNextAsync(long stripe, CancellationToken cancellationToken)
    {
        for (var index = 0; index < _layout.TotalShards; index++)
        {
            if (_streams.ContainsKey(index) || _failed.Contains(index))
            {
                continue;
            }

            if (await OpenShardAsync(index, stripe, cancellationToken).ConfigureAwait(false) is { } stream)
            {
                _streams[index] = stream;
                return index;
            }

            _failed.Add(index);
        }

        return null;
    }

    /// <summary>
    /// Shard <paramref name="index"/> from <paramref name="stripe"/> to the end of the range, from the first of its
    /// holders that serves it (each one that does not is reported); null when none does. Touches no shared state but
    /// the shard's own holder queue, so shards can be opened concurrently.
    /// </summary>
    private async Task<Stream?> OpenShardAsync(int index, long stripe, CancellationToken cancellationToken)
    {
        var shardRange = new ByteRange(stripe * ObjectLayout.CellSize, ((LastStripe + 1) * ObjectLayout.CellSize) - 1);
        while (_holders[index].TryDequeue(out var address))
        {
            var stream = await _client.OpenReadAsync(address, new StoredKey(_hash, index), shardRange, cancellationToken).ConfigureAwait(false);
            if (stream is not null)
            {
                return stream;
            }

            _reportBadShard(index, $"{address} could not serve it");
        }

        return null;
    }

    public Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken) =>
        ReadStripesAsync(
            async (stripe, shards, present) =>
            {
                if (Enumerable.Range(0, _layout.DataShards).Any(i => !present[i]))
                {
                    _codec.Reconstruct(shards, present);
                }

                await WriteStripeAsync(destination, stripe, shards, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    /// <summary>
    /// Reads every stripe of the range from the open shards and hands it over with which shards are present;
    /// the cells of absent shards are for the callback to fill (decode) if it needs them. Shards are read
    /// <see cref="BatchStripes"/> cells at a time, so the per-read costs are paid per half MiB, not per cell.
    /// </summary>
    public async Task ReadStripesAsync(Func<long, Memory<byte>[], bool[], Task> onStripe, CancellationToken cancellationToken)
    {
        if (_size == 0)
        {
            return;
        }

        var total = _layout.TotalShards;
        var buffers = new byte[total][];
        for (var i = 0; i < total; i++)
        {
            buffers[i] = ArrayPool<byte>.Shared.Rent(BatchStripes * ObjectLayout.CellSize);
        }

        try
        {
            for (var first = FirstStripe; first <= LastStripe; first += BatchStripes)
            {
                var count = (int)Math.Min(BatchStripes, LastStripe - first + 1);
                var batch = buffers.Select(b => new Memory<byte>(b, 0, count * ObjectLayout.CellSize)).ToArray();
                var present = await ReadBatchAsync(first, batch, cancellationToken).ConfigureAwait(false);
                for (var j = 0; j < count; j++)
                {
                    var shards = buffers.Select(b => new Memory<byte>(b, j * ObjectLayout.CellSize, ObjectLayout.CellSize)).ToArray();
                    await onStripe(first + j, shards, (bool[])present.Clone()).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            foreach (var buffer in buffers)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private async Task<bool[]> ReadBatchAsync(long stripe, Memory<byte>[] shards, CancellationToken cancellationToken)
    {
        var present = new bool[_layout.TotalShards];
        var pending = _streams.Keys.ToList();
        while (pending.Count > 0)
        {
            var reads = pending.Select(index => (Index: index, Read: ReadCellAsync(_streams[index], shards[index], cancellationToken))).ToList();
            pending.Clear();
            foreach (var (index, read) in reads)
            {
                try
                {
                    await read.ConfigureAwait(false);
                    present[index] = true;
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    _reportBadShard(index, $"stream failed at stripe {stripe}: {ex.Message}");
                    _streams.Remove(index, out var broken);
                    await broken!.DisposeAsync().ConfigureAwait(false);
                    _failed.Add(index);

                    // The other shards' cells of this batch are already read: only the replacement starts here.
                    var replacement = await OpenNextAsync(stripe, cancellationToken).ConfigureAwait(false)
                        ?? throw new IOException($"lost too many shards of {_hash} at stripe {stripe} to go on");
                    pending.Add(replacement);
                }
            }
        }

        return present;
    }

    private static async Task ReadCellAsync(Stream stream, Memory<byte> cell, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CellTimeout);
        await stream.ReadExactlyAsync(cell, timeout.Token).ConfigureAwait(false);
    }

    private async Task WriteStripeAsync(Stream destination, long stripe, Memory<byte>[] shards, CancellationToken cancellationToken)
    {
        for (var i = 0; i < _layout.DataShards; i++)
        {
            var cellStart = (stripe * _layout.StripeSize) + ((long)i * ObjectLayout.CellSize);
            var from = Math.Max(cellStart, _range.First);
            var to = Math.Min(Math.Min(cellStart + ObjectLayout.CellSize - 1, _range.Last), _size - 1);
            if (to >= from)
            {
                await destination.WriteAsync(shards[i].Slice((int)(from - cellStart), (int)(to - from + 1)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var stream in _streams.Values)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
