using System.Text.Json.Serialization;

namespace ObjectStore.Storage.Metadata;

/// <summary>Where a content record is in its life: referenced or not (<see cref="Live"/>), being deleted from the nodes, or gone.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ContentState>))]
public enum ContentState
{
    /// <summary>The bytes are on the nodes; <see cref="ContentRecord.References"/> versions point at them (possibly none).</summary>
    Live,

    /// <summary>The collector has claimed the bytes and is deleting them; no version may reference them now.</summary>
    Collecting,

    /// <summary>The bytes were deleted; the record stays as a tombstone for a grace period so racing PUTs can tell.</summary>
    Collected,
}

/// <summary>
/// The record of stored bytes, keyed by their storage id (see <c>ObjectLayout.StorageId</c>): layout, size and how many
/// versions reference them, kept in the same transaction as those versions. <see cref="Generation"/> grows each time
/// collected content is stored again, so a writer can tell that the bytes it saw were collected in between.
/// </summary>
public sealed record ContentRecord(
    string StorageId,
    string Hash,
    string Layout,
    long Size,
    long References,
    ContentState State,
    int Generation,
    DateTimeOffset Since)
{
    /// <summary>The record's revision in the store (etcd ModRevision), for compare-and-swap; not part of the value.</summary>
    [JsonIgnore]
    public long Revision { get; init; }
}
