namespace ObjectStore.Storage.Volumes;

/// <summary>Where a data node keeps its bytes and how it announces itself.</summary>
public sealed class DataNodeOptions
{
    /// <summary><c>STORAGE_ROOT</c>: the node's volume. Objects live in <c>objects/</c>, uploads in progress in <c>temp/</c>.</summary>
    public string StorageRoot { get; set; } = string.Empty;

    /// <summary>Address published in heartbeats; defaults to <c>LISTEN_ADDRESS</c>.</summary>
    public string PublicAddress { get; set; } = string.Empty;

    /// <summary>
    /// <c>PACKED_MAX_BYTES</c>: objects and shards of at most this many bytes, stored in one request, go into packs
    /// (<c>packs/</c>) rather than a file each. Default 64 KiB: a 4 KiB copy as its own fsynced file cost ~130 µs of
    /// kernel CPU here, appended to a shared file ~17 µs; larger bodies gain little and would make compaction copy more.
    /// 0 packs nothing.
    /// </summary>
    public int PackedMaxBytes { get; set; } = 64 * 1024;

    /// <summary><c>PACK_FILE_BYTES</c>: the size of a pack, made and zeroed ahead of time. Default 16 MiB.</summary>
    public long PackFileBytes { get; set; } = 16L * 1024 * 1024;
}
