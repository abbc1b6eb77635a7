using System.Text.Json;
using System.Text.Json.Serialization;

namespace ObjectStore.Storage.Cluster;

/// <summary>
/// The fanout exchanges of the control bus, as settings so that several clusters can share one broker;
/// host.json names them <c>apiServers</c> and <c>dataServers</c>, as in the article.
/// </summary>
public static class Exchanges
{
    /// <summary>Data nodes publish heartbeats here; every Api instance listens.</summary>
    public const string ApiServers = "%ObjectStore:HeartbeatExchange%";

    /// <summary>Api instances publish locate requests here; every data node listens.</summary>
    public const string DataServers = "%ObjectStore:LocateExchange%";
}

/// <summary>
/// A data node announcing itself: where to reach it and how much room it has, on which filesystem
/// (<see cref="Volumes.VolumeIdentity"/>; nodes on one disk share its free bytes; absent from older nodes).
/// <see cref="Instance"/> is new with every start of the node's process and <see cref="Quarantined"/> counts the files
/// it has found damaged since: either changing means it may have lost pieces (absent from older nodes).
/// </summary>
public sealed record Heartbeat(string Address, long FreeBytes, DateTimeOffset SentAt, string? Volume = null, string? Instance = null, long Quarantined = 0);

/// <summary>Who holds the object with this content hash, whole or as shards <c>0..Shards-1</c>?</summary>
public sealed record LocateRequest(string Hash, int Shards = 0);

/// <summary>
/// Every node answers, holder or not, so a miss costs one round trip rather than the full locate timeout.
/// <see cref="Found"/>: the whole object is here; <see cref="Shards"/>: the shard indices held here.
/// </summary>
public sealed record LocateReply(string Address, string Hash, bool Found, int[]? Shards = null);

[JsonSerializable(typeof(Heartbeat))]
[JsonSerializable(typeof(LocateRequest))]
[JsonSerializable(typeof(LocateReply))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
public sealed partial class ClusterJson : JsonSerializerContext;
