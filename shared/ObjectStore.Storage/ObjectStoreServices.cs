using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Objects;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.Storage;

public static class ObjectStoreServices
{
    /// <summary>
    /// The Api's domain services; the app adds its <see cref="IControlBus"/>, its <see cref="IDataNodeClient"/>
    /// (<see cref="DataNodeClient"/> with the nodes' credentials) and its HTTP edge.
    /// </summary>
    public static IServiceCollection AddObjectStoreApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ObjectStoreOptions>().Bind(configuration.GetSection(ObjectStoreOptions.Section))
            .Validate(o => o.DataShards >= 1 && o.ParityShards >= 1 && o.DataShards + o.ParityShards <= 255, "ObjectStore: DataShards and ParityShards must be at least 1, together at most 255")
            .Validate(o => o.RepairScanLocatesPerSecond > 0, "ObjectStore: RepairScanLocatesPerSecond must be positive")
            .Validate(o => o.RepairBytesPerSecond > 0, "ObjectStore: RepairBytesPerSecond must be positive")
            .Validate(o => o.NodeStoreTimeout > TimeSpan.Zero, "ObjectStore: NodeStoreTimeout must be positive")
            .Validate(o => o.SweepPageSize is > 0 and <= DataNodeProtocol.MaxListLimit, $"ObjectStore: SweepPageSize must be 1..{DataNodeProtocol.MaxListLimit}")
            .Validate(o => o.CollectParallelism >= 1, "ObjectStore: CollectParallelism must be at least 1")
            .ValidateOnStart();
        services.AddSingleton<NodeRegistry>();
        services.AddSingleton<ObjectLocator>();
        services.AddSingleton<IContentLocator>(sp => sp.GetRequiredService<ObjectLocator>());
        services.AddSingleton<NodePlacement>();
        services.AddSingleton<StoredContent>();
        services.AddSingleton<ContentCache>();
        services.AddObjectMetadata(configuration);
        services.AddSingleton<NodeStores>();
        services.AddSingleton<ObjectWriter>();
        services.AddSingleton<Objects.ObjectReader>();
        services.AddSingleton<ErasureCodecs>();
        services.AddSingleton<RepairScheduler>();
        services.AddSingleton<ShardRepairer>();
        services.AddSingleton<RepairScan>();
        return services;
    }

    /// <summary>The metadata store chosen by <c>ObjectStore:MetadataStore</c> (etcd unless <c>blob</c>), behind the cache.</summary>
    private static IServiceCollection AddObjectMetadata(this IServiceCollection services, IConfiguration configuration)
    {
        var kind = configuration.GetSection(ObjectStoreOptions.Section)[nameof(ObjectStoreOptions.MetadataStore)] ?? "etcd";
        if (string.Equals(kind, "blob", StringComparison.OrdinalIgnoreCase))
        {
            services.AddSingleton<BlobMetadataStore>();
            services.AddKeyedSingleton<IMetadataStore>(CachingMetadataStore.BackingStore, (sp, _) => sp.GetRequiredService<BlobMetadataStore>());
        }
        else if (string.Equals(kind, "etcd", StringComparison.OrdinalIgnoreCase))
        {
            services.AddSingleton<EtcdConnection>();
            services.AddSingleton<EtcdMetadataStore>();
            services.AddKeyedSingleton<IMetadataStore>(CachingMetadataStore.BackingStore, (sp, _) => sp.GetRequiredService<EtcdMetadataStore>());
            services.AddHostedService<EtcdMetadataWatch>();
        }
        else
        {
            throw new InvalidOperationException($"ObjectStore:MetadataStore is '{kind}'; expected 'etcd' or 'blob'.");
        }

        services.AddSingleton<CachingMetadataStore>();
        services.AddSingleton<IMetadataStore>(sp => sp.GetRequiredService<CachingMetadataStore>());
        services.AddSingleton<ContentCollector>();
        return services;
    }

    public static IServiceCollection AddObjectStoreDataNode(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ObjectStoreOptions>().Bind(configuration.GetSection(ObjectStoreOptions.Section))
            .Validate(o => o.ScrubBytesPerSecond > 0 && o.ScrubBytesPerRun > 0, "ObjectStore: ScrubBytesPerSecond and ScrubBytesPerRun must be positive")
            .ValidateOnStart();
        services.AddOptions<DataNodeOptions>().Configure(o =>
        {
            o.StorageRoot = configuration["STORAGE_ROOT"] ?? string.Empty;
            o.PublicAddress = configuration["PUBLIC_ADDRESS"] ?? configuration["LISTEN_ADDRESS"] ?? string.Empty;
            o.PackedMaxBytes = configuration.GetValue("PACKED_MAX_BYTES", o.PackedMaxBytes);
            o.PackFileBytes = configuration.GetValue("PACK_FILE_BYTES", o.PackFileBytes);
        }).Validate(o => o.StorageRoot.Length > 0, "STORAGE_ROOT must be set")
            .Validate(o => o.PackedMaxBytes >= 0 && o.PackFileBytes >= 1024 * 1024 && o.PackedMaxBytes <= o.PackFileBytes / 4, "PACK_FILE_BYTES must be at least 1 MiB and four times PACKED_MAX_BYTES")
            .ValidateOnStart();
        services.AddSingleton<LocalVolumeStore>();
        services.AddSingleton<VolumeScrubber>();
        return services;
    }
}
