using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// The dedup question of a PUT: are these bytes already stored under this layout, so that a new version can point at
/// them without sending them again? A metadata store that keeps content records (etcd) answers it in one read: a live
/// record is trusted even if a copy was lost meanwhile (the repair scan restores it), and reading it keeps the collector
/// off those bytes until the commit. Otherwise the nodes are asked: content stored with less than full redundancy (a
/// copy lost, or written under another layout) is uploaded again, and the nodes that have it drop the duplicate.
/// </summary>
public sealed class StoredContent(IMetadataStore metadata, IContentLocator locator)
{
    public async Task<bool> IsStoredAsync(ContentHash hash, ObjectLayout layout, CancellationToken cancellationToken)
    {
        if (metadata.TracksContent)
        {
            return await metadata.FindContentAsync(layout.StorageId(hash).Hex, cancellationToken).ConfigureAwait(false) is { State: ContentState.Live };
        }

        if (!layout.IsErasureCoded)
        {
            var replies = await locator.LocateShardsAsync(hash, 0, r => r.Count(x => x.Found) >= layout.Copies, cancellationToken).ConfigureAwait(false);
            return replies.Where(r => r.Found).Select(r => r.Address).Distinct(StringComparer.Ordinal).Count() >= layout.Copies;
        }

        var shards = await locator.LocateShardsAsync(layout.StorageId(hash), layout.TotalShards, r => HeldShards(r).Count >= layout.TotalShards, cancellationToken).ConfigureAwait(false);
        return HeldShards(shards).Count >= layout.TotalShards;
    }

    internal static HashSet<int> HeldShards(IEnumerable<LocateReply> replies) => replies.SelectMany(r => r.Shards ?? []).ToHashSet();
}
