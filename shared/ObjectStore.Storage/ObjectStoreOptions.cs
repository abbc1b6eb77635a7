namespace ObjectStore.Storage;

/// <summary>Settings of the store, bound from the <c>ObjectStore</c> section (<c>ObjectStore__X</c> in local.settings or the environment).</summary>
public sealed class ObjectStoreOptions
{
    public const string Section = "ObjectStore";

    /// <summary>How long a data node may stay silent before the Api stops using it. Default 10 s (twice the heartbeat period).</summary>
    public TimeSpan NodeExpiry { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Ceiling on a locate round: nodes that have not answered by then are taken as not holding the object. Default 1 s.</summary>
    public TimeSpan LocateTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest a batched store of small copies may wait for its node (<see cref="Objects.NodeStores"/>); its callers
    /// then store elsewhere. A lone store is bounded by its PUT's own cancellation instead.
    /// </summary>
    public TimeSpan NodeStoreTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Fanout exchange for heartbeats (data nodes to Api). Default <c>apiServers</c>.</summary>
    public string HeartbeatExchange { get; set; } = "apiServers";

    /// <summary>Fanout exchange for locate requests (Api to data nodes). Default <c>dataServers</c>.</summary>
    public string LocateExchange { get; set; } = "dataServers";

    /// <summary>
    /// How long the Api reuses a complete locate answer for reads. Content does not move by itself, and an answer goes
    /// stale only when a node dies (its entries are dropped when it expires) or a copy fails (the reader drops the entry
    /// and asks again), so the limit is long: a locate is a broadcast that every node and RabbitMQ pay for, and a
    /// mount reading a large file back would otherwise pay it for every 4 MiB block written more than a TTL ago.
    /// Default 10 minutes; zero turns the cache off.
    /// </summary>
    public TimeSpan LocateCacheTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long an Api instance trusts its cached "latest version" of a name if no change broadcast arrives (a lost
    /// broadcast, the bus down). Default 30 s; zero turns the cache off.
    /// </summary>
    public TimeSpan MetadataCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Fanout exchange on which Api instances announce metadata writes to each other. Default <c>apiMetadata</c>.</summary>
    public string MetadataExchange { get; set; } = "apiMetadata";

    /// <summary>
    /// Where object metadata lives: <c>etcd</c> (default; the cluster in the <c>EtcdEndpoints</c> setting) or <c>blob</c>
    /// (Blob Storage in <c>AzureWebJobsStorage</c>, for a deployment on Azure without etcd: no content records, so no
    /// garbage collection and dedup asks the nodes).
    /// </summary>
    public string MetadataStore { get; set; } = "etcd";

    /// <summary>Key prefix of this deployment's metadata in etcd, so several stores (or tests) share a cluster. Default <c>objectstore</c>.</summary>
    public string EtcdPrefix { get; set; } = "objectstore";

    /// <summary>Deadline of one etcd call; past it the request fails with 503. Default 5 s (a leader election takes ~2 s).</summary>
    public TimeSpan EtcdOperationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Concurrent version commits of one Api instance are grouped into one etcd transaction, up to this many
    /// (3 operations each, within etcd's 128). Default 32; 1 turns grouping off.
    /// </summary>
    public int MaxCommitsPerTransaction { get; set; } = 32;

    /// <summary>Versions kept per name, newest first; older ones are dropped by the collector. Default 0: keep all.</summary>
    public int KeepVersions { get; set; }

    /// <summary>A name whose latest version is a delete marker older than this is dropped with all its versions. Default none: never.</summary>
    public TimeSpan? DeleteMarkerExpiry { get; set; }

    /// <summary>
    /// How long unreferenced content, a collected record's tombstone, and bytes on a node that no record knows are kept
    /// before the collector deletes them. Must exceed the longest PUT (<c>functionTimeout</c>, 30 min), since a PUT's
    /// bytes reach the nodes before its version is committed. Default 1 hour.
    /// </summary>
    public TimeSpan ContentGracePeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Keys per page when the collector or the repair scan lists what a data node holds (at most 10,000). A node reads
    /// its directory once per page. Default 5000 (about 0.5 MB of JSON).
    /// </summary>
    public int SweepPageSize { get; set; } = 5000;

    /// <summary>
    /// Names whose versions retention drops, contents the collector deletes, and files of one listed page the sweep
    /// deletes, at once. One content costs a claim and a release on etcd, a locate and a delete per shard; one after
    /// another, a pass of 9,063 contents and 2,342 swept files took 3 min 41 s under a soak's purges, and the 10-minute
    /// soak ended with 763 contents still held. Default 8.
    /// </summary>
    public int CollectParallelism { get; set; } = 8;

    /// <summary>Blob container for object metadata. Default <c>objectstore-metadata</c>.</summary>
    public string MetadataContainer { get; set; } = "objectstore-metadata";

    /// <summary>Bounded retries of a version commit that lost a race to another writer. Default 64.</summary>
    public int MaxVersionAttempts { get; set; } = 64;

    /// <summary>Temp uploads older than this are removed by a data node's CleanTemp timer. Default 1 hour.</summary>
    public TimeSpan TempMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Reed–Solomon data shards per stripe. Default 4.</summary>
    public int DataShards { get; set; } = 4;

    /// <summary>Reed–Solomon parity shards: how many data nodes may be lost without losing an object. Default 2.</summary>
    public int ParityShards { get; set; } = 2;

    /// <summary>
    /// Objects up to this size are stored as ParityShards + 1 whole copies instead of coded: same tolerance of lost
    /// nodes, three parallel round trips instead of six, and the extra disk is small. Default 128 KiB.
    /// </summary>
    public long ReplicateUpToBytes { get; set; } = 128 * 1024;

    /// <summary>
    /// Coded objects of a known length up to this size are read whole into memory and stored with one request per
    /// shard that writes, fsyncs and publishes it (as small copies are), instead of streaming temp uploads that are
    /// committed by a second request. Default 4 MiB: shards of at most 1 MiB, which a data node writes in one call.
    /// </summary>
    public long BufferCodedUpToBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>
    /// Ceiling on the memory an Api instance holds for such PUTs at once (body and parity); a PUT that would pass it
    /// streams instead. Default 64 MiB.
    /// </summary>
    public long BufferedWritesBudgetBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Durable queue of repair requests, consumed by one Api instance each. Default <c>objectstore-repairs</c>.</summary>
    public string RepairQueue { get; set; } = "objectstore-repairs";

    /// <summary>A shard missing this long (its node silent) is rebuilt elsewhere by the repair scan. Default 5 minutes.</summary>
    public TimeSpan RepairGracePeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Ceiling on the bytes an Api instance writes to rebuild lost shards and copies, per second. Default 32 MiB/s:
    /// redundancy comes back within minutes for gigabytes, and client traffic keeps most of the disks and network.
    /// </summary>
    public long RepairBytesPerSecond { get; set; } = 32L * 1024 * 1024;

    /// <summary>Ceiling on a data node's scrub reads, bytes per second. Default 4 MiB/s: background work must not crowd out clients.</summary>
    public long ScrubBytesPerSecond { get; set; } = 4L * 1024 * 1024;

    /// <summary>
    /// Ceiling on the locate rounds a repair scan sends per second (each reaches every node), where the metadata store
    /// keeps no content records (Blob Storage); with them the scan merges node listings instead. Default 100.
    /// </summary>
    public int RepairScanLocatesPerSecond { get; set; } = 100;

    /// <summary>
    /// The repair scan skips its run while nothing that loses pieces has happened since a scan that found every piece:
    /// the same live nodes, none restarted, none has found a damaged file. It runs at least this often anyway (pieces
    /// removed behind a node's back). Default 1 hour: with content records a run lists each node a few pages at a time;
    /// with Blob Storage each run is a locate round per content, where a day suits better.
    /// </summary>
    public TimeSpan RepairRescanInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Bytes a data node scrubs per scrub run at most. Default 256 MiB.</summary>
    public long ScrubBytesPerRun { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// What one file costs the scrub's rate and budget at least, in bytes. Default 256 KiB: scrubbing a 4 KiB file
    /// (open, footer, sums, block) took ~0.45 ms of CPU here, about what 256 KiB of a large file takes. Without a floor
    /// the default 4 MiB/s meant ~1,000 small files a second per node, about half a core each: on a node of small
    /// objects the scrub, meant as background work, took more CPU than the clients.
    /// </summary>
    public long ScrubFileCostBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Memory the Api spends on recently read or written small objects, by content hash (never stale: content does not
    /// change under its hash). Default 64 MiB; zero turns the cache off.
    /// </summary>
    public long ReadCacheBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Buffer for streaming bodies; memory per transfer is a small constant number of these. Default 256 KiB.</summary>
    public int StreamBufferBytes { get; set; } = 256 * 1024;
}
