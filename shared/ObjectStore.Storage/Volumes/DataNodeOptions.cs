namespace ObjectStore.Storage.Volumes;

/// <summary>Where a data node keeps its bytes and how it announces itself.</summary>
public sealed class DataNodeOptions
{
    /// <summary><c>STORAGE_ROOT</c>: the node's volume. Objects live in <c>objects/</c>, uploads in progress in <c>temp/</c>.</summary>
    public string StorageRoot { get; set; } = string.Empty;

    /// <summary>Address published in heartbeats; defaults to <c>LISTEN_ADDRESS</c>.</summary>
    public string PublicAddress { get; set; } = string.Empty;
}
