namespace ObjectStore.Storage.Metadata;

/// <summary>
/// One committed version of a name; a delete marker has <see cref="Deleted"/> set, no size and no hash.
/// <see cref="Layout"/> says how its bytes are spread (see <c>ObjectLayout</c>).
/// </summary>
public sealed record ObjectVersion(string Name, long Version, long Size, string Hash, bool Deleted, DateTimeOffset Created, string Layout = "replica-1");

/// <summary>The metadata store cannot be reached; the request fails with 503 and nothing half-written is visible.</summary>
public sealed class MetadataUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
