namespace ObjectStore.FileSystem.Meta.Kv;

/// <summary>A stored key with its value and revisions (etcd's create_revision and mod_revision).</summary>
public sealed record KvEntry(byte[] Key, byte[] Value, long CreateRevision, long ModRevision);
