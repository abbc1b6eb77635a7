using System.Buffers;
using System.Diagnostics;
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
/// moment the object becomes visible, so a failed PUT leaves nothing visible. A body of known, bounded length is read
/// whole first instead, and each copy or shard stored by one request (<see cref="UploadCopiesAsync"/>,
/// <see cref="UploadShardsWholeAsync"/>); a small one on etcd is asked about only in its commit (<see cref="PutCopiesAsync"/>).
/// </summary>
public sealed partial class ObjectWriter(
    IMetadataStore metadata,
    NodePlacement placement,
    StoredContent stored,
    IDataNodeClient dataNodes,
    NodeStores nodeStores,
    IContentLocator locator,
    ErasureCodecs codecs,
    ContentCache cache,
    IOptions<ObjectStoreOptions> options,
    ILogger<ObjectWriter> logger)
{
    /// <summary>Rounds of choosing nodes for a stripe whose nodes refused, before a PUT gives up.</summary>
    private const int MaxRounds = 3;

    private ObjectStoreOptions Options => options.Value;

    /// <param name="timings">Filled with where the time went, when given (the Api's Server-Timing header).</param>
    public async Task<ObjectVersion> PutAsync(ObjectName name, Stream body, long? contentLength, ContentHash? digest, CancellationToken cancellationToken, PutTimings? timings = null)
    {
        timings ??= new PutTimings();
        var layout = placement.LayoutFor(contentLength);
        if (!layout.IsErasureCoded && metadata.TracksContent)
        {
            LogIfNarrow(name, layout, contentLength);
            return await PutCopiesAsync(name, body, contentLength!.Value, digest, layout, timings, cancellationToken).ConfigureAwait(false);
        }

        var started = PutTimings.Now;
        if (digest is { } known && await stored.IsStoredAsync(known, layout, cancellationToken).ConfigureAwait(false))
        {
            timings.AddDedup(started);
            // The client told us the hash and those bytes are already stored: verify the body, send nothing to data nodes.
            started = PutTimings.Now;
            var (hash, size) = await RequestBody.HashAsync(body, contentLength, Options.StreamBufferBytes, cancellationToken).ConfigureAwait(false);
            RequestBody.CheckDigest(digest, hash);
            timings.AddReceive(started);
            LogDeduplicated(name.Value, hash.Hex);
            return await CommitAsync(name, size, hash, layout, timings, cancellationToken).ConfigureAwait(false);
        }

        timings.AddDedup(started);
        var (content, length, used) = !layout.IsErasureCoded
            ? await UploadCopiesAsync(body, contentLength!.Value, digest, layout, timings, cancellationToken).ConfigureAwait(false)
            : contentLength is { } bounded and > 0 && bounded <= Options.BufferCodedUpToBytes && TryReserveBuffer(BufferFor(layout, bounded))
                ? await UploadShardsWholeAsync(body, bounded, digest, layout, timings, cancellationToken).ConfigureAwait(false)
                : await UploadCodedAsync(body, contentLength, digest, timings, cancellationToken).ConfigureAwait(false);
        LogIfNarrow(name, used, contentLength);
        return await CommitAsync(name, length, content, used, timings, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ObjectVersion> CommitAsync(ObjectName name, long size, ContentHash content, ObjectLayout layout, PutTimings timings, CancellationToken cancellationToken, bool contentLookedUp = true)
    {
        var started = PutTimings.Now;
        var version = await metadata.AppendAsync(name, size, content.Hex, deleted: false, layout.ToString(), cancellationToken, contentLookedUp).ConfigureAwait(false);
        timings.AddCommit(started);
        return version;
    }

    private void LogIfNarrow(ObjectName name, ObjectLayout used, long? contentLength)
    {
        if (used != placement.DefaultLayoutFor(contentLength))
        {
            LogNarrowLayout(name.Value, used.ToString());
        }
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
    /// Drops every version of <paramref name="name"/> (delete markers too): it reads as never written, and bytes no
    /// other version references are freed by the collector after its grace period.
    /// </summary>
    public async Task<PurgedObject> PurgeAsync(ObjectName name, CancellationToken cancellationToken)
    {
        var dropped = await metadata.PurgeAsync(name, cancellationToken).ConfigureAwait(false);
        return dropped == 0 ? throw new ObjectNotFoundException($"object '{name}' not found") : new PurgedObject(name.Value, dropped);
    }

    /// <summary>
    /// A small object is read whole (at most <see cref="ObjectStoreOptions.ReplicateUpToBytes"/>), so its hash is
    /// known before any node sees it, and a copy that fails — node refused, died midway, stored other bytes — is
    /// simply stored on another node: the PUT succeeds as long as enough distinct nodes take a copy.
    /// </summary>
    private async Task<(ContentHash, long, ObjectLayout)> UploadCopiesAsync(Stream body, long contentLength, ContentHash? digest, ObjectLayout layout, PutTimings timings, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(contentLength, 1));
        try
        {
            var data = buffer.AsMemory(0, (int)contentLength);
            var (hash, already) = await ReceiveWholeAsync(body, data, digest, layout, timings, cancellationToken).ConfigureAwait(false);
            if (!already)
            {
                await StoreCopiesAsync(hash, data, layout, timings, cancellationToken).ConfigureAwait(false);
            }

            return (hash, contentLength, layout);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A small object on a metadata store that tracks content (etcd): stored first and asked about only in its commit,
    /// which saves the dedup read — one of the two etcd round trips of a small PUT. Bytes already stored are sent again
    /// (a few KiB to each of a few nodes; a node that holds them intact writes nothing) and the commit points at the
    /// record it finds live. Content that is being or was collected fails the commit, since the deletion may have come
    /// after this store: then the PUT looks, as a large one does, and stores again.
    /// </summary>
    private async Task<ObjectVersion> PutCopiesAsync(ObjectName name, Stream body, long contentLength, ContentHash? digest, ObjectLayout layout, PutTimings timings, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(contentLength, 1));
        try
        {
            var data = buffer.AsMemory(0, (int)contentLength);
            var hash = await ReceiveAsync(body, data, digest, timings, cancellationToken).ConfigureAwait(false);
            await StoreCopiesAsync(hash, data, layout, timings, cancellationToken).ConfigureAwait(false);
            try
            {
                return await CommitAsync(name, contentLength, hash, layout, timings, cancellationToken, contentLookedUp: false).ConfigureAwait(false);
            }
            catch (ContentCollectedException)
            {
                LogStoringAgain(name.Value, hash.Hex);
                var started = PutTimings.Now;
                var already = await stored.IsStoredAsync(hash, layout, cancellationToken).ConfigureAwait(false);
                timings.AddDedup(started);
                if (!already)
                {
                    await StoreCopiesAsync(hash, data, layout, timings, cancellationToken).ConfigureAwait(false);
                }

                return await CommitAsync(name, contentLength, hash, layout, timings, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads a body of known length whole into <paramref name="data"/>, hashes and checks it against the client's
    /// digest, and asks whether that content is already stored (with a digest, PutAsync has just asked).
    /// </summary>
    private async Task<(ContentHash Hash, bool AlreadyStored)> ReceiveWholeAsync(Stream body, Memory<byte> data, ContentHash? digest, ObjectLayout layout, PutTimings timings, CancellationToken cancellationToken)
    {
        var hash = await ReceiveAsync(body, data, digest, timings, cancellationToken).ConfigureAwait(false);
        var started = PutTimings.Now;
        var already = digest is null && await stored.IsStoredAsync(hash, layout, cancellationToken).ConfigureAwait(false);
        timings.AddDedup(started);
        return (hash, already);
    }

    /// <summary>Reads a body of known length whole into <paramref name="data"/>, hashes it and checks it against the client's digest.</summary>
    private static async Task<ContentHash> ReceiveAsync(Stream body, Memory<byte> data, ContentHash? digest, PutTimings timings, CancellationToken cancellationToken)
    {
        var started = PutTimings.Now;
        await RequestBody.ReadWholeAsync(body, data, cancellationToken).ConfigureAwait(false);
        var hash = ContentHash.FromBytes(SHA256.HashData(data.Span));
        RequestBody.CheckDigest(digest, hash);
        timings.AddReceive(started);
        return hash;
    }

    /// <summary>Stores <paramref name="layout"/>'s copies and keeps the bytes in the read cache: they are the ones most likely read next.</summary>
    private async Task StoreCopiesAsync(ContentHash hash, ReadOnlyMemory<byte> data, ObjectLayout layout, PutTimings timings, CancellationToken cancellationToken)
    {
        var started = PutTimings.Now;
        await StoreCopiesAsync(hash, data, layout.Copies, cancellationToken).ConfigureAwait(false);
        timings.AddStore(started);
        cache.Add(hash.Hex, data.Span);
    }

    private async Task StoreCopiesAsync(ContentHash hash, ReadOnlyMemory<byte> data, int copies, CancellationToken cancellationToken)
    {
        var checksums = new DataNodeProtocol.BlockChecksums();
        checksums.Append(data.Span);
        var expected = checksums.ToString();
        var tried = new HashSet<string>(StringComparer.Ordinal);
        var holders = new List<LocateReply>(copies);
        // Bounded by the live nodes: each round tries nodes not tried before.
        while (holders.Count < copies)
        {
            var done = holders.Count;
            using var choice = placement.ChooseFor(hash, copies - done, data.Length, tried);
            if (choice.Addresses.Count < copies - done)
            {
                // Copies stored so far are unreferenced bytes under their hash; no version points at them.
                throw new StoreUnavailableException($"only {done} of {copies} copies could be stored ({tried.Count} data nodes tried); nothing was stored");
            }

            tried.UnionWith(choice.Addresses);
            var results = await Task.WhenAll(choice.Addresses.Select(a => TryStoreAsync(a, hash, data, expected, cancellationToken))).ConfigureAwait(false);
            holders.AddRange(choice.Addresses.Where((_, i) => results[i]).Select(a => new LocateReply(a, hash.Hex, Found: true)));
        }

        locator.Remember(hash, 0, holders);
    }

    /// <summary>
    /// One copy or shard in one round trip: the node checks it (a copy against its hash, either against the block
    /// checksum), stores and publishes it durably.
    /// </summary>
    private async Task<bool> TryStoreAsync(string address, StoredKey key, ReadOnlyMemory<byte> data, string blockChecksum, CancellationToken cancellationToken)
    {
        try
        {
            var result = await nodeStores.StoreAsync(address, key, data, blockChecksum, cancellationToken).ConfigureAwait(false);
            return result.Size == data.Length && result.BlockChecksum == blockChecksum
                ? true
                : throw new DataNodeException(address, $"stored {result.Size} bytes with block checksum {result.BlockChecksum}, sent {data.Length} with {blockChecksum}");
        }
        catch (DataNodeException ex)
        {
            // A copy that half-reached the node is its temp file, which the node removes.
            LogNodeFailed(ex.Address, ex.Message);
            placement.Suspect(ex.Address);
            return false;
        }
    }

    /// <summary>
    /// Starts uploads to distinct live nodes for the widest safe layout and waits until all of them stream; a node
    /// that refuses (dead but not yet expired) is suspected and the stripe chosen again — narrower if fewer nodes are
    /// left — which is still possible because no body byte has been read yet.
    /// </summary>
    private async Task<(ShardUploadSet Uploads, ObjectLayout Layout, NodePlacement.Choice Nodes)> StartUploadsAsync(long? contentLength, CancellationToken cancellationToken)
    {
        for (var round = 1; ; round++)
        {
            var layout = placement.LayoutFor(contentLength);
            var shardLength = contentLength is { } known ? layout.ShardLength(known) : (long?)null;
            var choice = ChooseStripe(layout, shardLength ?? 0);
            var uploads = ShardUploadSet.Start(dataNodes, choice.Addresses, shardLength, shards: true, cancellationToken);
            try
            {
                await uploads.WaitUntilStreamingAsync().ConfigureAwait(false);
                return (uploads, layout, choice);
            }
            catch (DataNodeException ex)
            {
                choice.Dispose();
                LogNodeFailed(ex.Address, ex.Message);
                placement.Suspect(ex.Address);
                await uploads.AbortAsync(ex).ConfigureAwait(false);
                if (round >= MaxRounds)
                {
                    throw new StoreUnavailableException($"data node {ex.Address} refused the upload; nothing was stored");
                }
            }
        }
    }

    /// <summary>Cuts the body into stripes as it arrives, encodes parity, and streams shard i to node i.</summary>
    private async Task<(ContentHash, long, ObjectLayout)> UploadCodedAsync(Stream body, long? contentLength, ContentHash? digest, PutTimings timings, CancellationToken cancellationToken)
    {
        var started = PutTimings.Now;
        var (uploads, layout, nodes) = await StartUploadsAsync(contentLength, cancellationToken).ConfigureAwait(false);
        using var busy = nodes;
        var codec = codecs.For(layout);
        var stripe = ArrayPool<byte>.Shared.Rent(layout.StripeSize);
        var parity = ArrayPool<byte>.Shared.Rent(layout.ParityShards * ObjectLayout.CellSize);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        ContentHash hash = default;
        long length = 0;
        var dedup = TimeSpan.Zero;
        try
        {
            var committed = await SendAsync(uploads, async () =>
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
                var asked = PutTimings.Now;
                var already = await stored.IsStoredAsync(hash, layout, cancellationToken).ConfigureAwait(false);
                dedup = Stopwatch.GetElapsedTime(asked);
                return already ? null : Enumerable.Range(0, layout.TotalShards).Select(i => new StoredKey(layout.StorageId(hash), i)).ToList();
            }).ConfigureAwait(false);
            timings.AddStore(started);
            timings.MoveStoreToDedup(dedup);
            if (committed)
            {
                var storageId = layout.StorageId(hash);
                locator.Remember(storageId, layout.TotalShards, [.. nodes.Addresses.Select((a, i) => new LocateReply(a, storageId.Hex, Found: false, [i]))]);
            }

            return (hash, length, layout);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(stripe);
            ArrayPool<byte>.Shared.Return(parity);
        }
    }

    /// <summary>
    /// Runs the sending part of an upload, then commits under the keys it returns (none: the bytes are already stored,
    /// drop the uploads; false). Any failure removes every temp upload, and says whose fault it was.
    /// </summary>
    private async Task<bool> SendAsync(ShardUploadSet uploads, Func<Task<IReadOnlyList<StoredKey>?>> send)
    {
        IReadOnlyList<StoredKey>? keys;
        try
        {
            keys = await send().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (ex is DataNodeException failed)
            {
                // The client may retry at once: it must not meet this node again before its next heartbeat.
                placement.Suspect(failed.Address);
            }

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
            return false;
        }

        try
        {
            await uploads.CommitAsync(keys, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (DataNodeException ex)
        {
            // Shards committed on other nodes stay as unreferenced bytes; no version points at them.
            placement.Suspect(ex.Address);
            await uploads.AbortAsync(ex).ConfigureAwait(false);
            throw new StoreUnavailableException($"data node {ex.Address} failed to commit; nothing was stored ({ex.Message})");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PUT {Name}: bytes {Hash} already stored; only a new version written")]
    private partial void LogDeduplicated(string name, string hash);

    [LoggerMessage(Level = LogLevel.Information, Message = "PUT {Name}: fewer live data nodes than the default layout needs; stored as {Layout}, which survives as many node losses")]
    private partial void LogNarrowLayout(string name, string layout);

    [LoggerMessage(Level = LogLevel.Information, Message = "PUT {Name}: bytes {Hash} were being or had been garbage-collected; looking them up and storing them again")]
    private partial void LogStoringAgain(string name, string hash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data node {Address} failed an upload, trying others: {Reason}")]
    private partial void LogNodeFailed(string address, string reason);
}

/// <summary>What a purge dropped: <paramref name="Versions"/> versions of <paramref name="Name"/>, delete markers included.</summary>
public sealed record PurgedObject(string Name, int Versions);
