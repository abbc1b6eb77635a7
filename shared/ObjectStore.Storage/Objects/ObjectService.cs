using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Http;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// The Api's object operations. A PUT streams the body to a data node as a temp upload while hashing it, commits
/// the temp upload under its SHA-256 only when the body is complete and verified, and only then writes the metadata
/// version: the version write is the moment the object becomes visible, so a failed PUT leaves nothing visible.
/// </summary>
public sealed partial class ObjectService(
    IMetadataStore metadata,
    NodeRegistry registry,
    ObjectLocator locator,
    DataNodeClient dataNodes,
    IOptions<ObjectStoreOptions> options,
    ILogger<ObjectService> logger)
{
    public async Task<ObjectVersion> PutAsync(ObjectName name, Stream body, long? contentLength, ContentHash? digest, CancellationToken cancellationToken)
    {
        if (registry.LiveNodes().Count == 0)
        {
            throw new StoreUnavailableException("no data node is alive; cannot store objects");
        }

        if (digest is { } known && (await locator.LocateAsync(known, enoughHolders: 1, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            // The client told us the hash and the bytes are already stored: verify the body, send nothing to data nodes.
            var (hash, size) = await HashBodyAsync(body, contentLength, cancellationToken).ConfigureAwait(false);
            CheckDigest(digest, hash);
            LogDeduplicated(name.Value, hash.Hex);
            return await metadata.AppendAsync(name, size, hash.Hex, deleted: false, cancellationToken).ConfigureAwait(false);
        }

        var (stored, length) = await UploadAsync(body, contentLength, digest, cancellationToken).ConfigureAwait(false);
        return await metadata.AppendAsync(name, length, stored.Hex, deleted: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Streams the body to one live node and commits it there; returns the verified hash.</summary>
    private async Task<(ContentHash Hash, long Length)> UploadAsync(Stream body, long? contentLength, ContentHash? digest, CancellationToken cancellationToken)
    {
        var tried = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var node = PickNode(contentLength, tried)
                ?? throw new StoreUnavailableException(tried.Count == 0 ? "no data node is alive; cannot store objects" : "no data node accepted the upload");
            tried.Add(node.Address);
            var tempId = Guid.NewGuid().ToString("N");
            using var content = new HashingUploadContent(body, contentLength, options.Value.StreamBufferBytes);
            TempUploadResult uploaded;
            try
            {
                uploaded = await dataNodes.PutTempAsync(node.Address, tempId, content, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (content.SourceFailure is not null)
            {
                await dataNodes.TryDeleteTempAsync(node.Address, tempId).ConfigureAwait(false);
                LogTruncated(content.BytesRead, contentLength, ex.Message);
                throw new InvalidObjectRequestException($"request body ended early after {content.BytesRead} bytes; nothing was stored");
            }
            catch (DataNodeException ex) when (!content.Started)
            {
                // The node was unreachable before any byte of the body was read: the next node can take it.
                LogNodeFailed(node.Address, ex.Message);
                registry.Suspect(node.Address);
                continue;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                await dataNodes.TryDeleteTempAsync(node.Address, tempId).ConfigureAwait(false);
                throw;
            }

            var hash = ContentHash.FromBytes(content.Hash ?? throw new InvalidOperationException("upload finished without reading the body to its end"));
            try
            {
                if (uploaded.Hash != hash.Hex || uploaded.Size != content.BytesRead)
                {
                    throw new DataNodeException(node.Address, $"stored {uploaded.Size} bytes hashing to {uploaded.Hash}, sent {content.BytesRead} bytes hashing to {hash.Hex}");
                }

                CheckDigest(digest, hash);
                var holders = await locator.LocateAsync(hash, enoughHolders: 1, cancellationToken).ConfigureAwait(false);
                if (holders.Count > 0 && !holders.Contains(node.Address))
                {
                    // Another node already holds these bytes: keep one copy, drop the upload.
                    await dataNodes.TryDeleteTempAsync(node.Address, tempId).ConfigureAwait(false);
                    return (hash, content.BytesRead);
                }

                await dataNodes.CommitTempAsync(node.Address, tempId, hash, cancellationToken).ConfigureAwait(false);
                return (hash, content.BytesRead);
            }
            catch
            {
                await dataNodes.TryDeleteTempAsync(node.Address, tempId).ConfigureAwait(false);
                throw;
            }
        }
    }

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

    /// <summary>Opens the bytes of a version from the first node that has an intact copy; the caller disposes the response.</summary>
    public async Task<HttpResponseMessage> OpenAsync(ObjectVersion version, ByteRange? range, CancellationToken cancellationToken)
    {
        var hash = Hash(version);
        var holders = await locator.LocateAsync(hash, enoughHolders: 1, cancellationToken).ConfigureAwait(false);
        foreach (var address in holders)
        {
            var response = await dataNodes.OpenReadAsync(address, hash, range, cancellationToken).ConfigureAwait(false);
            if (response is not null)
            {
                return response;
            }

            LogCopyUnavailable(address, hash.Hex);
        }

        throw new StoreUnavailableException($"no live data node has an intact copy of '{version.Name}' version {version.Version}");
    }

    public async Task<ObjectVersion> DeleteAsync(ObjectName name, CancellationToken cancellationToken)
    {
        var latest = await metadata.GetLatestAsync(name, cancellationToken).ConfigureAwait(false);
        if (latest is null || latest.Deleted)
        {
            throw new ObjectNotFoundException($"object '{name}' not found");
        }

        return await metadata.AppendAsync(name, 0, string.Empty, deleted: true, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ObjectVersion>> ListVersionsAsync(ObjectName name, CancellationToken cancellationToken)
    {
        var versions = await metadata.ListVersionsAsync(name, cancellationToken).ConfigureAwait(false);
        return versions.Count == 0 ? throw new ObjectNotFoundException($"object '{name}' not found") : versions;
    }

    /// <summary>Where the bytes of the latest (or given) version are: every live node that answers that it holds them.</summary>
    public async Task<ObjectLocation> LocateAsync(ObjectName name, long? version, CancellationToken cancellationToken)
    {
        var found = await GetVersionAsync(name, version, cancellationToken).ConfigureAwait(false);
        var holders = found.Size == 0 ? [] : await locator.LocateAsync(Hash(found), int.MaxValue, cancellationToken).ConfigureAwait(false);
        if (found.Size > 0 && holders.Count == 0)
        {
            throw new ObjectNotFoundException($"no live data node holds the bytes of '{name}' version {found.Version}");
        }

        return new ObjectLocation(found.Name, found.Version, found.Hash, found.Size, holders.Select(a => new ShardLocation(a, 0)).ToList());
    }

    private DataNodeInfo? PickNode(long? contentLength, HashSet<string> exclude)
    {
        var candidates = registry.LiveNodes().Where(n => !exclude.Contains(n.Address)).ToList();
        var roomy = candidates.Where(n => n.FreeBytes > (contentLength ?? 0)).ToList();
        var pool = roomy.Count > 0 ? roomy : candidates;
        return pool.Count == 0 ? null : pool[Random.Shared.Next(pool.Count)];
    }

    private async Task<(ContentHash Hash, long Length)> HashBodyAsync(Stream body, long? contentLength, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(options.Value.StreamBufferBytes);
        long length = 0;
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                length += read;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidObjectRequestException($"request body ended early after {length} bytes; nothing was stored");
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        if (contentLength is { } expected && expected != length)
        {
            throw new InvalidObjectRequestException($"request body has {length} bytes, Content-Length said {expected}; nothing was stored");
        }

        return (ContentHash.FromBytes(sha.GetHashAndReset()), length);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "PUT {Name}: bytes {Hash} already stored; only a new version written")]
    private partial void LogDeduplicated(string name, string hash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PUT body cut off after {BytesRead} of {ContentLength} bytes: {Reason}")]
    private partial void LogTruncated(long bytesRead, long? contentLength, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data node {Address} failed before the upload started, trying another: {Reason}")]
    private partial void LogNodeFailed(string address, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data node {Address} reported it holds {Hash} but could not serve an intact copy")]
    private partial void LogCopyUnavailable(string address, string hash);
}

/// <summary>The answer of <c>GET /locate/{name}</c>.</summary>
public sealed record ObjectLocation(string Name, long Version, string Hash, long Size, IReadOnlyList<ShardLocation> Shards);

/// <summary>A node holding a shard; with whole-object replicas every copy is shard 0.</summary>
public sealed record ShardLocation(string Address, int Shard);
