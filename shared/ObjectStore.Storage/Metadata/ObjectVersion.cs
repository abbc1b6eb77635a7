namespace ObjectStore.Storage.Metadata;

/// <summary>
/// One committed version of a name; a delete marker has <see cref="Deleted"/> set, no size and no hash.
/// <see cref="Layout"/> says how its bytes are spread (see <c>ObjectLayout</c>).
/// </summary>
public sealed record ObjectVersion(string Name, long Version, long Size, string Hash, bool Deleted, DateTimeOffset Created, string Layout = "replica-1");

/// <summary>The metadata store cannot be reached; the request fails with 503 and nothing half-written is visible.</summary>
public class MetadataUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A commit found the content it references being or having been collected since its writer looked (or, for a writer
/// that stored its bytes without looking first, at all): the bytes this writer stored may have been deleted with it.
/// Nothing was written; the writer looks the content up and stores it again (a client sees a 503 only if it cannot).
/// </summary>
public sealed class ContentCollectedException(string storageId)
    : MetadataUnavailableException($"the stored bytes {storageId} were garbage-collected while this PUT ran; nothing was written, retry the PUT");
