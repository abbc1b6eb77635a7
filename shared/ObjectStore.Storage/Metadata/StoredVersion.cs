using System.Text.Json.Serialization;

namespace ObjectStore.Storage.Metadata;

/// <summary>
/// A version as stored in etcd (the name is in the key). <see cref="Commit"/> identifies the commit that wrote it, so a
/// writer whose transaction was retried by the client can recognise its own version instead of writing another.
/// </summary>
internal sealed record StoredVersion(long Version, long Size, string Hash, bool Deleted, DateTimeOffset Created, string Layout, string Commit)
{
    public ObjectVersion ToVersion(string name) => new(name, Version, Size, Hash, Deleted, Created, Layout);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StoredVersion))]
[JsonSerializable(typeof(ContentRecord))]
internal sealed partial class EtcdJson : JsonSerializerContext;
