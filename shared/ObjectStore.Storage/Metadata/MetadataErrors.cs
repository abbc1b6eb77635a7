using Grpc.Core;

namespace ObjectStore.Storage.Metadata;

/// <summary>The metadata errors a client sees, worded in one place.</summary>
internal static class MetadataErrors
{
    public static MetadataUnavailableException EtcdUnavailable(RpcException ex) =>
        new($"metadata store (etcd) unavailable: {ex.StatusCode} {ex.Status.Detail}; nothing was written", ex);

    public static MetadataUnavailableException TooManyWriters(int attempts) =>
        new($"could not commit a version after {attempts} attempts: too many concurrent writers");
}
