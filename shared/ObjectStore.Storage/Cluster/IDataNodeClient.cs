using System.IO.Pipelines;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Objects;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.Storage.Cluster;

/// <summary>What a data node computed for an upload it received.</summary>
public sealed record TempUploadResult(string Hash, long Size, string BlockChecksum);

/// <summary>One copy or shard of a batched store (<see cref="IDataNodeClient.StoreBatchAsync"/>).</summary>
public sealed record StoreBatchItem(StoredKey Key, ReadOnlyMemory<byte> Content, string BlockChecksum);

/// <summary>
/// A node's answer for one item of a batch: 200 and what it stored, or the status and message a store of that item
/// alone would have answered (<see cref="DataNodeProtocol.Status"/>).
/// </summary>
public sealed record StoreBatchItemResult(int Status, string? Hash, long Size, string? BlockChecksum, string? Error);

/// <summary>A data node could not be used for this request; the caller tries another or answers 502/503.</summary>
public sealed class DataNodeException(string address, string message, Exception? inner = null)
    : Exception($"data node {address}: {message}", inner)
{
    public string Address { get; } = address;
}

/// <summary>
/// The Api's view of the data nodes (see <see cref="DataNodeProtocol"/> for the wire contract). Every failure to use
/// a node — refused connection, error status, cut stream — is a <see cref="DataNodeException"/> naming the node.
/// </summary>
public interface IDataNodeClient
{
    /// <summary>
    /// Streams <paramref name="body"/> into a temp upload. Calls <paramref name="onStreaming"/> once the node has
    /// taken the request and is about to read the body, so that a dead node is found before the caller reads any of
    /// its client's body; reads <paramref name="body"/> to its end and completes it.
    /// </summary>
    /// <param name="shard">The body is a shard: the node skips the content SHA-256, which only a whole object's commit checks.</param>
    Task<TempUploadResult> PutTempAsync(string address, string tempId, PipeReader body, long? length, bool shard, Action onStreaming, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a whole object or a shard in one round trip: the node checks the content against the hash in
    /// <paramref name="key"/> (a whole object) and against <paramref name="blockChecksum"/>, and publishes it durably
    /// before answering with what it stored.
    /// </summary>
    Task<TempUploadResult> StoreAsync(string address, StoredKey key, ReadOnlyMemory<byte> content, string blockChecksum, CancellationToken cancellationToken);

    /// <summary>
    /// Stores several small copies or shards in one round trip (<see cref="DataNodeProtocol.StoreBatchRoute"/>): a
    /// result per item, in their order. A failure of the whole request (node unreachable, malformed batch) is a
    /// <see cref="DataNodeException"/>, and then the node has published none of them.
    /// </summary>
    Task<IReadOnlyList<StoreBatchItemResult>> StoreBatchAsync(string address, IReadOnlyList<StoreBatchItem> items, CancellationToken cancellationToken);

    /// <summary>Publishes a temp upload under <paramref name="key"/>.</summary>
    Task CommitTempAsync(string address, string tempId, StoredKey key, CancellationToken cancellationToken);

    /// <summary>Best effort: a temp upload left behind is removed by the node's CleanTemp timer anyway.</summary>
    Task TryDeleteTempAsync(string address, string tempId);

    /// <summary>
    /// Opens the stored bytes (or a range of them) on a node; the stream ends with an <see cref="IOException"/> if the
    /// node finds a bad block midway. Null when the node does not have a good copy (or cannot be reached).
    /// </summary>
    Task<Stream?> OpenReadAsync(string address, StoredKey key, ByteRange? range, CancellationToken cancellationToken);

    /// <summary>One page of the keys a node holds, in order after <paramref name="after"/>; empty at the end.</summary>
    Task<IReadOnlyList<HeldKey>> ListHeldAsync(string address, string? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes stored bytes on a node; false when it did not hold them or, given <paramref name="writtenBy"/> (the write
    /// time a listing reported), when they were written or stored again since.
    /// </summary>
    Task<bool> DeleteAsync(string address, StoredKey key, DateTimeOffset? writtenBy, CancellationToken cancellationToken);
}
