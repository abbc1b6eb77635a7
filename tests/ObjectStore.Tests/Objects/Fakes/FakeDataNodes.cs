using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ObjectStore.Storage;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Objects;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.Tests.Objects.Fakes;

/// <summary>
/// In-memory data nodes behind the Api's <see cref="IDataNodeClient"/> and <see cref="IContentLocator"/>, with a
/// <see cref="NodeRegistry"/> that hears their heartbeats. Each node can be told to refuse, die mid-stream or corrupt.
/// </summary>
internal sealed class FakeDataNodes : IDataNodeClient, IContentLocator
{
    private readonly Dictionary<string, FakeDataNode> _nodes = new(StringComparer.Ordinal);

    public FakeDataNodes(ObjectStoreOptions options, int count)
    {
        Options = options;
        Registry = new NodeRegistry(Time, Microsoft.Extensions.Options.Options.Create(options), NullLogger<NodeRegistry>.Instance);
        for (var i = 1; i <= count; i++)
        {
            Add($"10.0.0.{i}:7081");
        }
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));

    public ObjectStoreOptions Options { get; }

    public NodeRegistry Registry { get; }

    public IReadOnlyCollection<FakeDataNode> All => _nodes.Values;

    public FakeDataNode this[string address] => _nodes[address];

    public int Locates { get; private set; }

    /// <summary>Pages of held keys asked of any node (<see cref="ListHeldAsync"/>).</summary>
    public int Listings { get; private set; }

    /// <summary>Awaited by every read before it is answered, e.g. to hold reads back until others have started.</summary>
    public Func<StoredKey, Task>? BeforeRead { get; set; }

    public FakeDataNode Add(string address, long freeBytes = 1L << 40)
    {
        var node = new FakeDataNode(address);
        _nodes[address] = node;
        Beat(node, freeBytes);
        return node;
    }

    public void Beat(FakeDataNode node, long freeBytes = 1L << 40) =>
        Registry.Record(new Heartbeat(node.Address, freeBytes, Time.GetUtcNow(), Instance: node.Instance, Quarantined: node.Quarantined));

    /// <summary>Every committed file, as (node, key).</summary>
    public IEnumerable<(string Node, string Key)> StoredFiles() => _nodes.Values.SelectMany(n => n.Objects.Keys.Select(k => (n.Address, k)));

    public IEnumerable<string> TempFiles() => _nodes.Values.SelectMany(n => n.Temp.Keys);

    public async Task<TempUploadResult> PutTempAsync(string address, string tempId, PipeReader body, long? length, bool shard, Action onStreaming, CancellationToken cancellationToken)
    {
        var node = _nodes[address];
        Interlocked.Increment(ref node.UploadsStarted);
        if (node.Refuses || node.Dead)
        {
            var refused = new DataNodeException(address, "connection refused");
            await body.CompleteAsync(refused);
            throw refused;
        }

        onStreaming();
        var received = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await body.ReadAsync(cancellationToken);
                foreach (var segment in result.Buffer)
                {
                    received.Write(segment.Span);
                }

                body.AdvanceTo(result.Buffer.End);
                if (node.DiesAfterBytes is { } limit && received.Length >= limit)
                {
                    throw new DataNodeException(address, "connection reset (the node died)");
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }

            await body.CompleteAsync();
        }
        catch (Exception ex)
        {
            await body.CompleteAsync(ex);
            throw ex as DataNodeException ?? new DataNodeException(address, ex.Message, ex);
        }

        var bytes = received.ToArray();
        if (length is { } expected && expected != bytes.Length)
        {
            throw new DataNodeException(address, $"400 body has {bytes.Length} bytes, expected {expected}");
        }

        if (node.CorruptsUploads && bytes.Length > 0)
        {
            bytes[bytes.Length / 2] ^= 0x40;
        }

        node.Temp[tempId] = bytes;
        var sums = new DataNodeProtocol.BlockChecksums();
        sums.Append(bytes);
        return new TempUploadResult(shard ? new string('0', 64) : Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length, sums.ToString());
    }

    public Task<TempUploadResult> StoreAsync(string address, StoredKey key, ReadOnlyMemory<byte> content, string blockChecksum, CancellationToken cancellationToken)
    {
        var node = _nodes[address];
        Interlocked.Increment(ref node.UploadsStarted);
        if (node.Refuses || node.Dead)
        {
            throw new DataNodeException(address, "connection refused");
        }

        if (node.DiesAfterBytes is not null)
        {
            throw new DataNodeException(address, "connection reset (the node died)");
        }

        var bytes = content.ToArray();
        if (node.CorruptsUploads && bytes.Length > 0)
        {
            bytes[bytes.Length / 2] ^= 0x40;
        }

        if (key.Shard is null && Convert.ToHexStringLower(SHA256.HashData(bytes)) != key.Hash.Hex)
        {
            throw new DataNodeException(address, $"{DataNodeProtocol.Status.HashMismatch} content is not {key.Hash.Hex}");
        }

        var sums = new DataNodeProtocol.BlockChecksums();
        sums.Append(bytes);
        if (sums.ToString() != blockChecksum)
        {
            throw new DataNodeException(address, $"{DataNodeProtocol.Status.HashMismatch} block checksum is {sums}, the sender computed {blockChecksum}");
        }

        node.Objects[key.FileName] = bytes;
        node.Written[key.FileName] = Time.GetUtcNow();
        Interlocked.Increment(ref node.OneRequestStores);
        return Task.FromResult(new TempUploadResult(key.Shard is null ? key.Hash.Hex : new string('0', 64), bytes.Length, sums.ToString()));
    }

    /// <summary>Each item as <see cref="StoreAsync"/> stores it; a refused item is its own 409, a node that cannot take requests fails the batch.</summary>
    public async Task<IReadOnlyList<StoreBatchItemResult>> StoreBatchAsync(string address, IReadOnlyList<StoreBatchItem> items, CancellationToken cancellationToken)
    {
        var node = _nodes[address];
        Interlocked.Increment(ref node.Batches);
        if (node.Refuses || node.Dead || node.DiesAfterBytes is not null)
        {
            throw new DataNodeException(address, "connection refused");
        }

        var results = new List<StoreBatchItemResult>(items.Count);
        foreach (var item in items)
        {
            try
            {
                var stored = await StoreAsync(address, item.Key, item.Content, item.BlockChecksum, cancellationToken);
                results.Add(new StoreBatchItemResult(DataNodeProtocol.Status.Stored, stored.Hash, stored.Size, stored.BlockChecksum, null));
            }
            catch (DataNodeException ex)
            {
                results.Add(new StoreBatchItemResult(DataNodeProtocol.Status.HashMismatch, null, 0, null, ex.Message));
            }
        }

        return results;
    }

    public Task CommitTempAsync(string address, string tempId, StoredKey key, CancellationToken cancellationToken)
    {
        var node = _nodes[address];
        if (node.Refuses || node.Dead)
        {
            throw new DataNodeException(address, "connection refused");
        }

        if (!node.Temp.TryRemove(tempId, out var bytes))
        {
            throw new DataNodeException(address, $"{DataNodeProtocol.Status.NotHere} no temp upload {tempId}");
        }

        if (key.Shard is null && Convert.ToHexStringLower(SHA256.HashData(bytes)) != key.Hash.Hex)
        {
            throw new DataNodeException(address, $"{DataNodeProtocol.Status.HashMismatch} content is not {key.Hash.Hex}");
        }

        node.Objects[key.FileName] = bytes;
        node.Written[key.FileName] = Time.GetUtcNow();
        return Task.CompletedTask;
    }

    public Task TryDeleteTempAsync(string address, string tempId)
    {
        _nodes[address].Temp.TryRemove(tempId, out _);
        return Task.CompletedTask;
    }

    public async Task<Stream?> OpenReadAsync(string address, StoredKey key, ByteRange? range, CancellationToken cancellationToken)
    {
        if (BeforeRead is { } before)
        {
            await before(key);
        }

        return OpenRead(address, key, range);
    }

    private Stream? OpenRead(string address, StoredKey key, ByteRange? range)
    {
        var node = _nodes[address];
        Interlocked.Increment(ref node.Reads);
        if (node.QuarantinesOnRead)
        {
            node.Objects.TryRemove(key.FileName, out _);
        }

        if (node.Dead || node.Refuses || !node.Objects.TryGetValue(key.FileName, out var bytes))
        {
            return null;
        }

        var r = range ?? new ByteRange(0, bytes.Length - 1);
        var slice = bytes.AsMemory((int)r.First, (int)Math.Min(r.Length, bytes.Length - r.First)).ToArray();
        if (node.ServesWrongBytes && slice.Length > 0)
        {
            slice[0] ^= 1;
        }

        return new CuttingStream(slice, node.CutsReadsAfterBytes);
    }

    public Task<IReadOnlyList<HeldKey>> ListHeldAsync(string address, string? after, int limit, CancellationToken cancellationToken)
    {
        Listings++;
        var node = _nodes[address];
        if (node.Dead || node.Refuses)
        {
            throw new DataNodeException(address, "connection refused (test)");
        }

        IReadOnlyList<HeldKey> page = node.Objects.Keys
            .Where(k => after is null || string.CompareOrdinal(k, after) > 0)
            .Order(StringComparer.Ordinal)
            .Take(limit)
            .Select(k => new HeldKey(k, node.Written.GetValueOrDefault(k, Time.GetUtcNow())))
            .ToList();
        return Task.FromResult(page);
    }

    public Task<bool> DeleteAsync(string address, StoredKey key, DateTimeOffset? writtenBy, CancellationToken cancellationToken)
    {
        var node = _nodes[address];
        if (node.Dead || node.Refuses)
        {
            throw new DataNodeException(address, "connection refused (test)");
        }

        if (writtenBy is { } by && node.Written.TryGetValue(key.FileName, out var written) && written > by)
        {
            return Task.FromResult(false);
        }

        node.Written.TryRemove(key.FileName, out _);
        return Task.FromResult(node.Objects.TryRemove(key.FileName, out _));
    }

    public Task<IReadOnlyList<LocateReply>> LocateShardsAsync(ContentHash hash, int shards, Func<IReadOnlyList<LocateReply>, bool> enough, CancellationToken cancellationToken)
    {
        Locates++;
        var live = Registry.LiveNodes().Select(n => n.Address).ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<LocateReply> replies = _nodes.Values
            .Where(n => !n.Dead && live.Contains(n.Address))
            .Select(n => new LocateReply(
                n.Address,
                hash.Hex,
                n.Objects.ContainsKey(hash.Hex),
                Enumerable.Range(0, shards).Where(i => n.Objects.ContainsKey(new StoredKey(hash, i).FileName)).ToArray()))
            .ToList();
        return Task.FromResult(replies);
    }

    public Task<IReadOnlyList<LocateReply>> LocateShardsCachedAsync(ContentHash hash, int shards, Func<IReadOnlyList<LocateReply>, bool> enough, CancellationToken cancellationToken) =>
        LocateShardsAsync(hash, shards, enough, cancellationToken);

    public void Forget(ContentHash hash)
    {
    }

    /// <summary>What writers said they stored where, by hash and shard count, newest last.</summary>
    public ConcurrentDictionary<(string Hash, int Shards), IReadOnlyList<LocateReply>> Remembered { get; } = new();

    public void Remember(ContentHash hash, int shards, IReadOnlyList<LocateReply> replies) => Remembered[(hash.Hex, shards)] = replies;

    /// <summary>A node's response body that fails with an I/O error after a number of bytes.</summary>
    private sealed class CuttingStream(byte[] data, long? cutAfter) : MemoryStream(data, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (cutAfter is { } limit)
            {
                if (Position >= limit)
                {
                    throw new IOException("the node cut the stream before a bad block");
                }

                buffer = buffer[..(int)Math.Min(buffer.Length, limit - Position)];
            }

            return base.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
            try
            {
                int read;
                while ((read = await ReadAsync(buffer.AsMemory(0, bufferSize), cancellationToken)) > 0)
                {
                    await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
