using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Metadata;

/// <summary>Versioned metadata per object name. Versions start at 1 and increase by one, whoever writes.</summary>
public interface IMetadataStore
{
    Task<ObjectVersion?> GetLatestAsync(ObjectName name, CancellationToken cancellationToken);

    Task<ObjectVersion?> GetVersionAsync(ObjectName name, long version, CancellationToken cancellationToken);

    /// <summary>Oldest first.</summary>
    Task<IReadOnlyList<ObjectVersion>> ListVersionsAsync(ObjectName name, CancellationToken cancellationToken);

    /// <summary>Commits the next version; this write is what makes an object visible.</summary>
    /// <param name="contentLookedUp">
    /// Whether the writer asked <see cref="FindContentAsync"/> about the content before it stored the bytes. A store
    /// that <see cref="TracksContent"/> also commits bytes stored without asking: it then finds out in the commit
    /// itself, and throws <see cref="ContentCollectedException"/> when the content is being collected or was collected
    /// (at whatever time: the collector may have deleted what this writer stored), so the writer can look and store again.
    /// </param>
    Task<ObjectVersion> AppendAsync(ObjectName name, long size, string hash, bool deleted, string layout, CancellationToken cancellationToken, bool contentLookedUp = true);

    /// <summary>
    /// Drops every version of a name and the name itself (S3's deleting each version, at once): it reads as never
    /// written, the next PUT is version 1, and content no longer referenced is collected after the grace period.
    /// Returns how many versions were dropped (0: no such name).
    /// </summary>
    Task<int> PurgeAsync(ObjectName name, CancellationToken cancellationToken);

    /// <summary>
    /// The latest version of each name starting with <paramref name="namePrefix"/>, in ordinal (UTF-8) order, after
    /// <paramref name="startAfter"/>; at most <paramref name="limit"/>. Delete markers included: the caller decides.
    /// </summary>
    /// <exception cref="NotSupportedException">The store cannot list names (Blob Storage keeps them hashed).</exception>
    Task<IReadOnlyList<ObjectVersion>> ListNamesAsync(string namePrefix, string? startAfter, int limit, CancellationToken cancellationToken);

    /// <summary>Every live (not deleted) content version in the store, for repair scans; order unspecified.</summary>
    IAsyncEnumerable<ObjectVersion> ScanAsync(CancellationToken cancellationToken);

    /// <summary>Whether this store keeps a record per stored content (<see cref="FindContentAsync"/>); the Blob store does not.</summary>
    bool TracksContent { get; }

    /// <summary>
    /// The record of the bytes stored under <paramref name="storageId"/> (see <c>ObjectLayout.StorageId</c>), or null when
    /// none: asked before a PUT sends or commits bytes, so that dedup is one read. Always null when not <see cref="TracksContent"/>.
    /// </summary>
    Task<ContentRecord?> FindContentAsync(string storageId, CancellationToken cancellationToken);

    /// <summary>
    /// Every content record, in ordinal storage-id order (the order data nodes list their keys in), for the repair scan.
    /// Nothing when not <see cref="TracksContent"/>.
    /// </summary>
    IAsyncEnumerable<ContentRecord> ScanContentAsync(CancellationToken cancellationToken);
}
