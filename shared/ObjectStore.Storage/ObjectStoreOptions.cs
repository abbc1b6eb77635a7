namespace ObjectStore.Storage;

/// <summary>Settings of the store, bound from the <c>ObjectStore</c> section (<c>ObjectStore__X</c> in local.settings or the environment).</summary>
public sealed class ObjectStoreOptions
{
    public const string Section = "ObjectStore";

    /// <summary>How long a data node may stay silent before the Api stops using it. Default 10 s (twice the heartbeat period).</summary>
    public TimeSpan NodeExpiry { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Ceiling on a locate round: nodes that have not answered by then are taken as not holding the object. Default 1 s.</summary>
    public TimeSpan LocateTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Fanout exchange for heartbeats (data nodes to Api). Default <c>apiServers</c>.</summary>
    public string HeartbeatExchange { get; set; } = "apiServers";

    /// <summary>Fanout exchange for locate requests (Api to data nodes). Default <c>dataServers</c>.</summary>
    public string LocateExchange { get; set; } = "dataServers";

    /// <summary>Blob container for object metadata. Default <c>objectstore-metadata</c>.</summary>
    public string MetadataContainer { get; set; } = "objectstore-metadata";

    /// <summary>Bounded retries of a version commit that lost a race to another writer. Default 64.</summary>
    public int MaxVersionAttempts { get; set; } = 64;

    /// <summary>Temp uploads older than this are removed by a data node's CleanTemp timer. Default 1 hour.</summary>
    public TimeSpan TempMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Buffer for streaming bodies; memory per transfer is a small constant number of these. Default 256 KiB.</summary>
    public int StreamBufferBytes { get; set; } = 256 * 1024;
}
