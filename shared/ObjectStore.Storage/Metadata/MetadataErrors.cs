using Grpc.Core;

namespace ObjectStore.Storage.Metadata;

/// <summary>The metadata errors a client sees, worded in one place.</summary>
internal static class MetadataErrors
{
    public static MetadataUnavailableException EtcdUnavailable(RpcException ex) =>
        new($"metadata store (etcd) unavailable: {ex.StatusCode} {ex.Status.Detail}; nothing was written", ex);

    /// <summary>A commit etcd neither confirmed nor refused: not visible now, and it may still land (etcd keeps a proposal its leader had logged).</summary>
    public static MetadataUnavailableException CommitUnconfirmed(MetadataUnavailableException ex) => ex.InnerException is RpcException rpc
        ? new($"metadata store (etcd) unavailable: {rpc.StatusCode} {rpc.Status.Detail}; the version was not confirmed: it is not visible now, and it becomes visible only if etcd had already taken it when it failed", rpc)
        : ex;

    public static MetadataUnavailableException TooManyWriters(int attempts) =>
        new($"could not commit a version after {attempts} attempts: too many concurrent writers");
}
