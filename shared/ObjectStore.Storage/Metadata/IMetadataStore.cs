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
    Task<ObjectVersion> AppendAsync(ObjectName name, long size, string hash, bool deleted, string layout, CancellationToken cancellationToken);

    /// <summary>Every live (not deleted) content version in the store, for repair scans; order unspecified.</summary>
    IAsyncEnumerable<ObjectVersion> ScanAsync(CancellationToken cancellationToken);

    /// <summary>Whether this store keeps a record per stored content (<see cref="FindContentAsync"/>); the Blob store does not.</summary>
    bool TracksContent { get; }

    /// <summary>
    /// The record of the bytes stored under <paramref name="storageId"/> (see <c>ObjectLayout.StorageId</c>), or null when
    /// none: asked before a PUT sends or commits bytes, so that dedup is one read. Always null when not <see cref="TracksContent"/>.
    /// </summary>
    Task<ContentRecord?> FindContentAsync(string storageId, CancellationToken cancellationToken);
}
