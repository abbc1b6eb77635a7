using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// The dedup question of a PUT: are these bytes already stored with full redundancy under this layout, so that a new
/// version can point at them without sending them again? Content stored with less (a copy lost, or written under
/// another layout) is uploaded again: the nodes that have it drop the duplicate.
/// </summary>
public sealed class StoredContent(IContentLocator locator)
{
    public async Task<bool> IsStoredAsync(ContentHash hash, ObjectLayout layout, CancellationToken cancellationToken)
    {
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
