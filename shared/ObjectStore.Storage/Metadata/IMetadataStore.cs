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
}
