using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Objects;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.Storage;

public static class ObjectStoreServices
{
    /// <summary>The Api's domain services; the app adds its <see cref="IControlBus"/> and its HTTP edge.</summary>
    public static IServiceCollection AddObjectStoreApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ObjectStoreOptions>().Bind(configuration.GetSection(ObjectStoreOptions.Section))
            .Validate(o => o.DataShards >= 1 && o.ParityShards >= 1 && o.DataShards + o.ParityShards <= 255, "ObjectStore: DataShards and ParityShards must be at least 1, together at most 255")
            .Validate(o => o.RepairScanLocatesPerSecond > 0, "ObjectStore: RepairScanLocatesPerSecond must be positive")
            .Validate(o => o.RepairBytesPerSecond > 0, "ObjectStore: RepairBytesPerSecond must be positive")
            .ValidateOnStart();
        services.AddSingleton<NodeRegistry>();
        services.AddSingleton<ObjectLocator>();
        services.AddSingleton<IContentLocator>(sp => sp.GetRequiredService<ObjectLocator>());
        services.AddSingleton<NodePlacement>();
        services.AddSingleton<StoredContent>();
        services.AddSingleton<ContentCache>();
        services.AddSingleton<BlobMetadataStore>();
        services.AddSingleton<CachingMetadataStore>();
        services.AddSingleton<IMetadataStore>(sp => sp.GetRequiredService<CachingMetadataStore>());
        services.AddSingleton<ObjectWriter>();
        services.AddSingleton<Objects.ObjectReader>();
        services.AddSingleton<ErasureCodecs>();
        services.AddSingleton<RepairScheduler>();
        services.AddSingleton<ShardRepairer>();
        services.AddSingleton<RepairScan>();
        services.AddSingleton<IDataNodeClient>(_ => new DataNodeClient(new HttpClient(DataNodeClient.CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan }));
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
        }).Validate(o => o.StorageRoot.Length > 0, "STORAGE_ROOT must be set").ValidateOnStart();
        services.AddSingleton<LocalVolumeStore>();
        services.AddSingleton<VolumeScrubber>();
        return services;
    }
}
