using Microsoft.Extensions.Configuration;
using ObjectStore.Etcd;

namespace ObjectStore.Storage.Metadata;

/// <summary>
/// The Api's etcd members (<see cref="EtcdMembers"/>: a client per member, the next one when a call cannot reach one),
/// from the <c>EtcdEndpoints</c> setting: comma-separated <c>http://host:port</c> URLs of the members.
/// </summary>
public sealed class EtcdConnection(IConfiguration configuration) : EtcdMembers(EndpointsOf(configuration))
{
    public const string EndpointsSetting = "EtcdEndpoints";

    private static string EndpointsOf(IConfiguration configuration)
    {
        var endpoints = configuration[EndpointsSetting];
        if (string.IsNullOrWhiteSpace(endpoints))
        {
            throw new InvalidOperationException($"Setting '{EndpointsSetting}' is not configured (comma-separated etcd URLs); set ObjectStore:MetadataStore=blob to keep metadata in Blob Storage instead.");
        }

        return endpoints;
    }
}
