using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// The Api's reads: which version a name means, and its bytes from the nodes that hold intact copies or shards —
/// switching to another copy, or to parity and decoding, when one fails, and asking for a repair of what failed.
/// </summary>
public sealed partial class ObjectReader(
    IMetadataStore metadata,
    IContentLocator locator,
    IDataNodeClient dataNodes,
    ErasureCodecs codecs,
    ContentCache cache,
    RepairScheduler repairs,
    ILogger<ObjectReader> logger)
{
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
        if (cache.TryGet(version.Hash, out var cached))
        {
            return new MemorySource(cached, range);
        }

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
            var replies = await locate(layout.TotalShards, r => Enumerable.Range(0, layout.DataShards).All(StoredContent.HeldShards(r).Contains)).ConfigureAwait(false);
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
                var source = version.Size <= cache.MaxObjectBytes
                    ? await ReadSmallAsync(address, hash, version.Size, range, cancellationToken).ConfigureAwait(false)
                    : await dataNodes.OpenReadAsync(address, hash, range, cancellationToken).ConfigureAwait(false) is { } stream ? new ReplicaSource(stream) : null;
                if (source is not null)
                {
                    return source;
                }

                LogCopyUnavailable(address, hash.Hex);
                locator.Forget(hash);
                ScheduleRepair(version, $"{address} could not serve its copy");
            }

            located = await locator.LocateShardsAsync(hash, 0, _ => false, cancellationToken).ConfigureAwait(false);
        }

        throw new StoreUnavailableException($"no live data node has an intact copy of '{version.Name}' version {version.Version}");
    }

    /// <summary>
    /// A small copy is read whole and its SHA-256 checked here before anything is sent or cached: a copy that is short
    /// or wrong counts as unavailable, and the next holder is tried.
    /// </summary>
    private async Task<IObjectSource?> ReadSmallAsync(string address, ContentHash hash, long size, ByteRange? range, CancellationToken cancellationToken)
    {
        var stream = await dataNodes.OpenReadAsync(address, hash, range: null, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return null;
        }

        await using var owned = stream;
        var content = new byte[size];
        try
        {
            await stream.ReadExactlyAsync(content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return null;
        }

        if (!SHA256.HashData(content).AsSpan().SequenceEqual(Convert.FromHexString(hash.Hex)))
        {
            return null;
        }

        cache.Add(hash.Hex, content);
        return new MemorySource(content, range);
    }

    private void ScheduleRepair(ObjectVersion version, string reason) =>
        _ = repairs.ScheduleAsync(new RepairRequest(version.Hash, version.Layout, version.Size, reason), CancellationToken.None);

    /// <summary>
    /// One page of names starting with <paramref name="prefix"/>, in ordinal (UTF-8) order, after <paramref name="after"/>,
    /// each with its latest version; names whose latest version is a delete marker only when asked for. <see
    /// cref="NameListing.Next"/> is where the next page starts (null: no more), also when markers filtered a page short.
    /// </summary>
    public async Task<NameListing> ListNamesAsync(string prefix, string? after, int limit, bool includeDeleted, CancellationToken cancellationToken)
    {
        var page = await metadata.ListNamesAsync(prefix, after, limit, cancellationToken).ConfigureAwait(false);
        var shown = includeDeleted ? page : page.Where(v => !v.Deleted).ToList();
        return new NameListing(shown, page.Count == limit ? page[^1].Name : null);
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

    private static ContentHash Hash(ObjectVersion version) =>
        ContentHash.TryParse(version.Hash, out var hash) ? hash : throw new InvalidOperationException($"metadata of '{version.Name}' v{version.Version} has a bad hash");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data node {Address} reported it holds {Hash} but could not serve an intact copy")]
    private partial void LogCopyUnavailable(string address, string hash);
}

/// <summary>The answer of <c>GET /locate/{name}</c>.</summary>
public sealed record ObjectLocation(string Name, long Version, string Hash, long Size, string Layout, IReadOnlyList<ShardLocation> Shards);

/// <summary>A node holding a shard; a whole copy is shard 0.</summary>
public sealed record ShardLocation(string Address, int Shard);

/// <summary>A page of names (<see cref="ObjectReader.ListNamesAsync"/>); <paramref name="Next"/>: pass as <c>after</c> for the next page.</summary>
public sealed record NameListing(IReadOnlyList<ObjectVersion> Names, string? Next);
