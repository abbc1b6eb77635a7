using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Cluster;

/// <summary>Which live data nodes hold a content's whole copies or shards.</summary>
public interface IContentLocator
{
    /// <summary>
    /// Every live node's answer for a hash: whole copies and shards <c>0..shards-1</c>. Ends when
    /// <paramref name="enough"/> holds for the answers so far, when every live node has answered, or at the locate timeout.
    /// </summary>
    Task<IReadOnlyList<LocateReply>> LocateShardsAsync(ContentHash hash, int shards, Func<IReadOnlyList<LocateReply>, bool> enough, CancellationToken cancellationToken);

    /// <summary>Like <see cref="LocateShardsAsync"/>, but may reuse a recent complete answer.</summary>
    Task<IReadOnlyList<LocateReply>> LocateShardsCachedAsync(ContentHash hash, int shards, Func<IReadOnlyList<LocateReply>, bool> enough, CancellationToken cancellationToken);

    /// <summary>Drops any cached answer for this hash: a holder failed to serve it.</summary>
    void Forget(ContentHash hash);

    /// <summary>
    /// A writer that has just stored this content says where, as the answer <see cref="LocateShardsCachedAsync"/> would
    /// give, so that reading it back soon asks no node.
    /// </summary>
    void Remember(ContentHash hash, int shards, IReadOnlyList<LocateReply> replies);
}
