using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// The Api's writes. A PUT streams the body to data nodes as temp uploads while hashing it (whole copies for small
/// objects, Reed–Solomon shards otherwise; see <see cref="ObjectLayout"/>), commits the uploads under the content hash
/// only when the body is complete and verified, and only then writes the metadata version: the version write is the
/// moment the object becomes visible, so a failed PUT leaves nothing visible.
/// </summary>
public sealed partial class ObjectWriter(
    IMetadataStore metadata,
    NodePlacement placement,
    StoredContent stored,
    IDataNodeClient dataNodes,
    ErasureCodecs codecs,
    IOptions<ObjectStoreOptions> options,
    ILogger<ObjectWriter> logger)
{
    private ObjectStoreOptions Options => options.Value;

    /// <summary>Small objects (of known length) are copied whole; the rest, and bodies of unknown length, are coded.</summary>
    public ObjectLayout LayoutFor(long? contentLength) =>
        contentLength is { } length && length <= Options.ReplicateUpToBytes
            ? ObjectLayout.Replicated(Options.ParityShards + 1)
            : ObjectLayout.ErasureCoded(Options.DataShards, Options.ParityShards);

    public async Task<ObjectVersion> PutAsync(ObjectName name, Stream body, long? contentLength, ContentHash? digest, CancellationToken cancellationToken)
    {
        var layout = LayoutFor(contentLength);
        placement.RequireLiveNodes(layout);
        if (digest is { } known && await stored.IsStoredAsync(known, layout, cancellationToken).ConfigureAwait(false))
        {
            // The client told us the hash and those bytes are already stored: verify the body, send nothing to data nodes.
            var (hash, size) = await RequestBody.HashAsync(body, contentLength, Options.StreamBufferBytes, cancellationToken).ConfigureAwait(false);
            RequestBody.CheckDigest(digest, hash);
            LogDeduplicated(name.Value, hash.Hex);
            return await metadata.AppendAsync(name, size, hash.Hex, deleted: false, layout.ToString(), cancellationToken).ConfigureAwait(false);
        }

        var (content, length) = layout.IsErasureCoded
            ? await UploadCodedAsync(body, contentLength, digest, layout, cancellationToken).ConfigureAwait(false)
            : await UploadCopiesAsync(body, contentLength!.Value, digest, layout, cancellationToken).ConfigureAwait(false);
        return await metadata.AppendAsync(name, length, content.Hex, deleted: false, layout.ToString(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<ObjectVersion> DeleteAsync(ObjectName name, CancellationToken cancellationToken)
    {
        var latest = await metadata.GetLatestAsync(name, cancellationToken).ConfigureAwait(false);
        if (latest is null || latest.Deleted)
        {
            throw new ObjectNotFoundException($"object '{name}' not found");
        }

        return await metadata.AppendAsync(name, 0, string.Empty, deleted: true, latest.Layout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts uploads to distinct live nodes and waits until all of them stream; a node that refuses (dead but not yet
    /// expired) is suspected and replaced, which is still possible because no body byte has been read yet.
    /// </summary>
    private async Task<ShardUploadSet> StartUploadsAsync(ObjectLayout layout, long? length, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var uploads = ShardUploadSet.Start(dataNodes, placement.Choose(layout), length, layout.IsErasureCoded, cancellationToken);
            try
            {
                await uploads.WaitUntilStreamingAsync().ConfigureAwait(false);
                return uploads;
            }
            catch (DataNodeException ex) when (attempt < 3)
            {
                LogNodeFailed(ex.Address, ex.Message);
                placement.Suspect(ex.Address);
                await uploads.AbortAsync(ex).ConfigureAwait(false);
            }
            catch (DataNodeException ex)
            {
                await uploads.AbortAsync(ex).ConfigureAwait(false);
                throw new StoreUnavailableException($"data node {ex.Address} refused the upload; nothing was stored");
            }
        }
    }

    /// <summary>A small object is read whole (at most <see cref="ObjectStoreOptions.ReplicateUpToBytes"/>), so its hash is known before any node sees it.</summary>
    private async Task<(ContentHash, long)> UploadCopiesAsync(Stream body, long contentLength, ContentHash? digest, ObjectLayout layout, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(contentLength, 1));
        try
        {
            var data = buffer.AsMemory(0, (int)contentLength);
            await RequestBody.ReadWholeAsync(body, data, cancellationToken).ConfigureAwait(false);
            var hash = ContentHash.FromBytes(SHA256.HashData(data.Span));
            RequestBody.CheckDigest(digest, hash);
            // With a digest, PutAsync has just asked this very question.
            if (digest is null && await stored.IsStoredAsync(hash, layout, cancellationToken).ConfigureAwait(false))
            {
                return (hash, contentLength);
            }

            var uploads = await StartUploadsAsync(layout, contentLength, cancellationToken).ConfigureAwait(false);
            await SendAsync(uploads, async () =>
            {
                for (var i = 0; i < layout.Copies; i++)
                {
                    await uploads.WriteAsync(i, data, cancellationToken).ConfigureAwait(false);
                }

                await uploads.CompleteAsync().ConfigureAwait(false);
                return Enumerable.Repeat((StoredKey)hash, layout.Copies).ToList();
            }).ConfigureAwait(false);
            return (hash, contentLength);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Cuts the body into stripes as it arrives, encodes parity, and streams shard i to node i.</summary>
    private async Task<(ContentHash, long)> UploadCodedAsync(Stream body, long? contentLength, ContentHash? digest, ObjectLayout layout, CancellationToken cancellationToken)
    {
        var codec = codecs.For(layout);
        var shardLength = contentLength is { } known ? layout.ShardLength(known) : (long?)null;
        var uploads = await StartUploadsAsync(layout, shardLength, cancellationToken).ConfigureAwait(false);
        var stripe = ArrayPool<byte>.Shared.Rent(layout.StripeSize);
        var parity = ArrayPool<byte>.Shared.Rent(layout.ParityShards * ObjectLayout.CellSize);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        ContentHash hash = default;
        long length = 0;
        try
        {
            await SendAsync(uploads, async () =>
            {
                var data = Enumerable.Range(0, layout.DataShards).Select(i => (ReadOnlyMemory<byte>)stripe.AsMemory(i * ObjectLayout.CellSize, ObjectLayout.CellSize)).ToArray();
                var parityCells = Enumerable.Range(0, layout.ParityShards).Select(i => parity.AsMemory(i * ObjectLayout.CellSize, ObjectLayout.CellSize)).ToArray();
                while (true)
                {
                    var filled = await RequestBody.ReadAsync(body, stripe.AsMemory(0, layout.StripeSize), cancellationToken).ConfigureAwait(false);
                    if (filled == 0)
                    {
                        break;
                    }

                    sha.AppendData(stripe, 0, filled);
                    length += filled;
                    stripe.AsSpan(filled, layout.StripeSize - filled).Clear();
                    codec.Encode(data, parityCells);
                    for (var i = 0; i < layout.DataShards; i++)
                    {
                        await uploads.WriteAsync(i, data[i], cancellationToken).ConfigureAwait(false);
                    }

                    for (var i = 0; i < layout.ParityShards; i++)
                    {
                        await uploads.WriteAsync(layout.DataShards + i, parityCells[i], cancellationToken).ConfigureAwait(false);
                    }

                    if (filled < layout.StripeSize)
                    {
                        break;
                    }
                }

                RequestBody.CheckLength(contentLength, length);
                await uploads.CompleteAsync().ConfigureAwait(false);
                hash = ContentHash.FromBytes(sha.GetHashAndReset());
                RequestBody.CheckDigest(digest, hash);
                return await stored.IsStoredAsync(hash, layout, cancellationToken).ConfigureAwait(false)
                    ? null
                    : Enumerable.Range(0, layout.TotalShards).Select(i => new StoredKey(layout.StorageId(hash), i)).ToList();
            }).ConfigureAwait(false);
            return (hash, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(stripe);
            ArrayPool<byte>.Shared.Return(parity);
        }
    }

    /// <summary>
    /// Runs the sending part of an upload, then commits under the keys it returns (none: the bytes are already stored,
    /// drop the uploads). Any failure removes every temp upload, and says whose fault it was.
    /// </summary>
    private static async Task SendAsync(ShardUploadSet uploads, Func<Task<IReadOnlyList<StoredKey>?>> send)
    {
        IReadOnlyList<StoredKey>? keys;
        try
        {
            keys = await send().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await uploads.AbortAsync(ex).ConfigureAwait(false);
            throw ex switch
            {
                BodyReadException => new InvalidObjectRequestException($"request body ended early: {ex.InnerException?.Message}; nothing was stored"),
                DataNodeException node => new StoreUnavailableException($"data node {node.Address} failed during the upload; nothing was stored ({ex.Message})"),
                _ => ex,
            };
        }

        if (keys is null)
        {
            await uploads.AbortAsync(new OperationCanceledException("already stored")).ConfigureAwait(false);
            return;
        }

        try
        {
            await uploads.CommitAsync(keys, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DataNodeException ex)
        {
            // Shards committed on other nodes stay as unreferenced bytes; no version points at them.
            await uploads.AbortAsync(ex).ConfigureAwait(false);
            throw new StoreUnavailableException($"data node {ex.Address} failed to commit; nothing was stored ({ex.Message})");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PUT {Name}: bytes {Hash} already stored; only a new version written")]
    private partial void LogDeduplicated(string name, string hash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data node {Address} refused an upload, trying others: {Reason}")]
    private partial void LogNodeFailed(string address, string reason);
}
