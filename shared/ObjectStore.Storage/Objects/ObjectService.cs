using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Http;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// The Api's object operations. A PUT streams the body to data nodes as temp uploads while hashing it (whole copies
/// for small objects, Reed–Solomon shards otherwise; see <see cref="ObjectLayout"/>), commits the uploads under the
/// content hash only when the body is complete and verified, and only then writes the metadata version: the version
/// write is the moment the object becomes visible, so a failed PUT leaves nothing visible.
/// </summary>
public sealed partial class ObjectService(
    IMetadataStore metadata,
    NodeRegistry registry,
    ObjectLocator locator,
    DataNodeClient dataNodes,
    ErasureCodecs codecs,
    RepairScheduler repairs,
    IOptions<ObjectStoreOptions> options,
    ILogger<ObjectService> logger)
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
        RequireLiveNodes(layout);
        if (digest is { } known && await IsStoredAsync(known, layout, cancellationToken).ConfigureAwait(false))
        {
            // The client told us the hash and those bytes are already stored: verify the body, send nothing to data nodes.
            var (hash, size) = await HashBodyAsync(body, contentLength, cancellationToken).ConfigureAwait(false);
            CheckDigest(digest, hash);
            LogDeduplicated(name.Value, hash.Hex);
            return await metadata.AppendAsync(name, size, hash.Hex, deleted: false, layout.ToString(), cancellationToken).ConfigureAwait(false);
        }

        var (stored, length) = layout.IsErasureCoded
            ? await UploadCodedAsync(body, contentLength, digest, layout, cancellationToken).ConfigureAwait(false)
            : await UploadCopiesAsync(body, contentLength!.Value, digest, layout, cancellationToken).ConfigureAwait(false);
        return await metadata.AppendAsync(name, length, stored.Hex, deleted: false, layout.ToString(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts uploads to distinct live nodes and waits until all of them stream; a node that refuses (dead but not yet
    /// expired) is suspected and replaced, which is still possible because no body byte has been read yet.
    /// </summary>
    private async Task<ShardUploadSet> StartUploadsAsync(ObjectLayout layout, long? length, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var uploads = ShardUploadSet.Start(dataNodes, PickNodes(layout), length, layout.IsErasureCoded, cancellationToken);
            try
            {
                await uploads.WaitUntilStreamingAsync().ConfigureAwait(false);
                return uploads;
            }
            catch (DataNodeException ex) when (attempt < 3)
            {
                LogNodeFailed(ex.Address, ex.Message);
                registry.Suspect(ex.Address);
                await uploads.AbortAsync(ex).ConfigureAwait(false);
            }
            catch (DataNodeException ex)
            {
                await uploads.AbortAsync(ex).ConfigureAwait(false);
                throw new StoreUnavailableException($"data node {ex.Address} refused the upload; nothing was stored");
            }
        }
    }

    private IReadOnlyList<string> PickNodes(ObjectLayout layout) =>
        RequireLiveNodes(layout).Select(n => n.Address).OrderBy(_ => Random.Shared.Next()).Take(layout.NodesNeeded).ToList();

    /// <summary>503 before any of the body is read when the layout cannot be honoured.</summary>
    private IReadOnlyList<DataNodeInfo> RequireLiveNodes(ObjectLayout layout)
    {
        var live = registry.LiveNodes();
        if (live.Count < layout.NodesNeeded)
        {
            throw new StoreUnavailableException(live.Count == 0
                ? "no data node is alive; cannot store objects"
                : $"{layout} needs {layout.NodesNeeded} live data nodes, {live.Count} alive; cannot store objects");
        }

        return live;
    }

    /// <summary>A small object is read whole (at most <see cref="ObjectStoreOptions.ReplicateUpToBytes"/>), so its hash is known before any node sees it.</summary>
    private async Task<(ContentHash, long)> UploadCopiesAsync(Stream body, long contentLength, ContentHash? digest, ObjectLayout layout, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(contentLength, 1));
        try
        {
            var data = buffer.AsMemory(0, (int)contentLength);
            var read = await ReadBodyAsync(body, data, cancellationToken).ConfigureAwait(false);
            if (read != contentLength || await ReadBodyAsync(body, new byte[1], cancellationToken).ConfigureAwait(false) != 0)
            {
                throw new InvalidObjectRequestException($"request body has {read} bytes, Content-Length said {contentLength}; nothing was stored");
            }

            var hash = ContentHash.FromBytes(SHA256.HashData(data.Span));
            CheckDigest(digest, hash);
            // With a digest, PutAsync has just asked this very question.
            if (digest is null && await IsStoredAsync(hash, layout, cancellationToken).ConfigureAwait(false))
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
                    var filled = await ReadBodyAsync(body, stripe.AsMemory(0, layout.StripeSize), cancellationToken).ConfigureAwait(false);
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

                if (contentLength is { } expected && expected != length)
                {
                    throw new InvalidObjectRequestException($"request body has {length} bytes, Content-Length said {expected}; nothing was stored");
                }

                await uploads.CompleteAsync().ConfigureAwait(false);
                hash = ContentHash.FromBytes(sha.GetHashAndReset());
                CheckDigest(digest, hash);
                return await IsStoredAsync(hash, layout, cancellationToken).ConfigureAwait(false)
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

    /// <summary>
    /// These bytes are already stored with full redundancy, so a new version can point at them. Content stored with
    /// less (a copy lost, or written under an older layout) is uploaded again: the nodes that have it drop the duplicate.
    /// </summary>
    private async Task<bool> IsStoredAsync(ContentHash hash, ObjectLayout layout, CancellationToken cancellationToken)
    {
        if (metadata.TracksContent)
        {
            // One metadata read instead of a locate broadcast; it also keeps the collector off these bytes until the commit.
            return await metadata.FindContentAsync(layout.StorageId(hash).Hex, cancellationToken).ConfigureAwait(false) is { State: ContentState.Live };
        }

        if (!layout.IsErasureCoded)
        {
            return (await locator.LocateAsync(hash, enoughHolders: layout.Copies, cancellationToken).ConfigureAwait(false)).Count >= layout.Copies;
        }

        var replies = await locator.LocateShardsAsync(layout.StorageId(hash), layout.TotalShards, r => HeldShards(r).Count >= layout.TotalShards, cancellationToken).ConfigureAwait(false);
        return HeldShards(replies).Count >= layout.TotalShards;
    }

    private static HashSet<int> HeldShards(IEnumerable<LocateReply> replies) => replies.SelectMany(r => r.Shards ?? []).ToHashSet();

    public async Task<ObjectVersion> GetVersionAsync(ObjectName name, long? version, CancellationToken cancellationToken)
    {
        var found = version is { } v
            ? await metadata.GetVersionAsync(name, v, cancellationToken).ConfigureAwait(false)
            : await metadata.GetLatestAsync(name, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            throw new ObjectNotFoundException(version is null ? $"object '{name}' not found" : $"object '{name}' has no version {version}");
        }

        if (found.Deleted)
        {
            throw new ObjectNotFoundException(version is null ? $"object '{name}' is deleted" : $"version {version} of '{name}' is a delete marker");
        }

        return found;
    }

    /// <summary>Opens the bytes of a version (or a range) from the nodes that have intact copies or shards.</summary>
    public async Task<IObjectSource> OpenAsync(ObjectVersion version, ByteRange? range, CancellationToken cancellationToken)
    {
        try
        {
            return await OpenAsync(version, range, cached: true, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            // The cached answer may predate a node's death or a repair: ask the nodes once more before giving up.
            locator.Forget(Hash(version));
            return await OpenAsync(version, range, cached: false, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IObjectSource> OpenAsync(ObjectVersion version, ByteRange? range, bool cached, CancellationToken cancellationToken)
    {
        var layout = ObjectLayout.Parse(version.Layout);
        var hash = layout.StorageId(Hash(version));
        Func<int, Func<IReadOnlyList<LocateReply>, bool>, Task<IReadOnlyList<LocateReply>>> locate = cached
            ? (shards, enough) => locator.LocateShardsCachedAsync(hash, shards, enough, cancellationToken)
            : (shards, enough) => locator.LocateShardsAsync(hash, shards, enough, cancellationToken);
        if (layout.IsErasureCoded)
        {
            var replies = await locate(layout.TotalShards, r => Enumerable.Range(0, layout.DataShards).All(HeldShards(r).Contains)).ConfigureAwait(false);
            return await StripedSource.OpenAsync(
                layout, hash, version.Size, range ?? new ByteRange(0, version.Size - 1), replies, dataNodes, codecs.For(layout),
                (shard, reason) =>
                {
                    locator.Forget(hash);
                    ScheduleRepair(version, $"shard {shard}: {reason}");
                },
                cancellationToken).ConfigureAwait(false);
        }

        // The first holder to answer is usually enough; if its copy fails, hear every node before giving up.
        var tried = new HashSet<string>(StringComparer.Ordinal);
        var located = await locate(0, r => r.Any(x => x.Found)).ConfigureAwait(false);
        for (var round = 0; round < 2; round++)
        {
            foreach (var address in located.Where(r => r.Found).Select(r => r.Address).Where(tried.Add))
            {
                var response = await dataNodes.OpenReadAsync(address, hash, range, cancellationToken).ConfigureAwait(false);
                if (response is not null)
                {
                    return new ReplicaSource(response);
                }

                LogCopyUnavailable(address, hash.Hex);
                locator.Forget(hash);
                ScheduleRepair(version, $"{address} could not serve its copy");
            }

            located = await locator.LocateShardsAsync(hash, 0, _ => false, cancellationToken).ConfigureAwait(false);
        }

        throw new StoreUnavailableException($"no live data node has an intact copy of '{version.Name}' version {version.Version}");
    }

    private void ScheduleRepair(ObjectVersion version, string reason) =>
        _ = repairs.ScheduleAsync(new RepairRequest(version.Hash, version.Layout, version.Size, reason), CancellationToken.None);

    public async Task<ObjectVersion> DeleteAsync(ObjectName name, CancellationToken cancellationToken)
    {
        var latest = await metadata.GetLatestAsync(name, cancellationToken).ConfigureAwait(false);
        if (latest is null || latest.Deleted)
        {
            throw new ObjectNotFoundException($"object '{name}' not found");
        }

        return await metadata.AppendAsync(name, 0, string.Empty, deleted: true, latest.Layout, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ObjectVersion>> ListVersionsAsync(ObjectName name, CancellationToken cancellationToken)
    {
        var versions = await metadata.ListVersionsAsync(name, cancellationToken).ConfigureAwait(false);
        return versions.Count == 0 ? throw new ObjectNotFoundException($"object '{name}' not found") : versions;
    }

    /// <summary>Where the bytes of the latest (or given) version are: which live node holds which shard (copies are shard 0).</summary>
    public async Task<ObjectLocation> LocateAsync(ObjectName name, long? version, CancellationToken cancellationToken)
    {
        var found = await GetVersionAsync(name, version, cancellationToken).ConfigureAwait(false);
        var layout = ObjectLayout.Parse(found.Layout);
        var replies = await locator.LocateShardsAsync(layout.StorageId(Hash(found)), layout.TotalShards, _ => false, cancellationToken).ConfigureAwait(false);
        var shards = replies
            .SelectMany(r => (r.Found ? [0] : Array.Empty<int>()).Concat(r.Shards ?? []).Select(s => new ShardLocation(r.Address, s)))
            .OrderBy(s => s.Shard).ThenBy(s => s.Address, StringComparer.Ordinal)
            .ToList();
        if (shards.Count == 0)
        {
            throw new ObjectNotFoundException($"no live data node holds the bytes of '{name}' version {found.Version}");
        }

        return new ObjectLocation(found.Name, found.Version, found.Hash, found.Size, found.Layout, shards);
    }

    private async Task<(ContentHash Hash, long Length)> HashBodyAsync(Stream body, long? contentLength, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(Options.StreamBufferBytes);
        long length = 0;
        try
        {
            int read;
            while ((read = await ReadBodyAsync(body, buffer, cancellationToken, fill: false).ConfigureAwait(false)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                length += read;
            }
        }
        catch (BodyReadException ex)
        {
            throw new InvalidObjectRequestException($"request body ended early after {length} bytes: {ex.InnerException?.Message}; nothing was stored");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (contentLength is { } expected && expected != length)
        {
            throw new InvalidObjectRequestException($"request body has {length} bytes, Content-Length said {expected}; nothing was stored");
        }

        return (ContentHash.FromBytes(sha.GetHashAndReset()), length);
    }

    /// <summary>
    /// Reads the client's body, filling <paramref name="buffer"/> unless at its end. Any failure, cancellation included
    /// (the token is the client's connection), is a cut-off body: the client's fault, not the store's.
    /// </summary>
    private static async Task<int> ReadBodyAsync(Stream body, Memory<byte> buffer, CancellationToken cancellationToken, bool fill = true)
    {
        try
        {
            return await body.ReadAtLeastAsync(buffer, fill ? buffer.Length : 1, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw new BodyReadException(ex);
        }
    }

    private static void CheckDigest(ContentHash? digest, ContentHash actual)
    {
        if (digest is { } expected && expected != actual)
        {
            throw new InvalidObjectRequestException($"Digest mismatch: header says SHA-256={expected.ToBase64()}, body is SHA-256={actual.ToBase64()}; nothing was stored");
        }
    }

    private static ContentHash Hash(ObjectVersion version) =>
        ContentHash.TryParse(version.Hash, out var hash) ? hash : throw new InvalidOperationException($"metadata of '{version.Name}' v{version.Version} has a bad hash");

    private sealed class BodyReadException(Exception inner) : Exception("reading the request body failed", inner);

    [LoggerMessage(Level = LogLevel.Information, Message = "PUT {Name}: bytes {Hash} already stored; only a new version written")]
    private partial void LogDeduplicated(string name, string hash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data node {Address} refused an upload, trying others: {Reason}")]
    private partial void LogNodeFailed(string address, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data node {Address} reported it holds {Hash} but could not serve an intact copy")]
    private partial void LogCopyUnavailable(string address, string hash);
}

/// <summary>The answer of <c>GET /locate/{name}</c>.</summary>
public sealed record ObjectLocation(string Name, long Version, string Hash, long Size, string Layout, IReadOnlyList<ShardLocation> Shards);

/// <summary>A node holding a shard; a whole copy is shard 0.</summary>
public sealed record ShardLocation(string Address, int Shard);
