using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.FileSystem.Meta.Kv;

namespace ObjectStore.FileSystem.Meta;

public static class FileSystemMetaServices
{
    /// <summary>
    /// Registers <see cref="IFileSystemMeta"/> over etcd: options from the <c>FileSystem</c> section and the top-level
    /// <c>EtcdEndpoints</c> setting, then <paramref name="configure"/>. The caller starts the session.
    /// </summary>
    public static IServiceCollection AddFileSystemMeta(this IServiceCollection services, IConfiguration configuration, Action<FileSystemMetaOptions>? configure = null)
    {
        services.AddOptions<FileSystemMetaOptions>()
            .Bind(configuration.GetSection(FileSystemMetaOptions.Section))
            .Configure(o =>
            {
                if (configuration["EtcdEndpoints"] is { Length: > 0 } endpoints && o.EtcdEndpoints.Length == 0) o.EtcdEndpoints = endpoints;
                configure?.Invoke(o);
            })
            .Validate(o => o.EtcdEndpoints.Length > 0, "FileSystem: EtcdEndpoints must be set")
            .Validate(o => o.Volume.Length > 0 && !o.Volume.Contains('/'), "FileSystem: Volume must be a non-empty name without '/'")
            .Validate(o => o.InodeBatchSize > 0 && o.SliceBatchSize > 0, "FileSystem: InodeBatchSize and SliceBatchSize must be positive")
            .Validate(o => o.MaxCommitsPerGroup > 0, "FileSystem: MaxCommitsPerGroup must be at least 1")
            .Validate(o => o.OperationTimeout > TimeSpan.Zero && o.SessionTtl >= TimeSpan.FromSeconds(2), "FileSystem: OperationTimeout must be positive, SessionTtl at least 2 s")
            .ValidateOnStart();
        services.TryAddTimeProvider();
        services.AddSingleton<ITransactionalKv>(sp => new EtcdKv(sp.GetRequiredService<IOptions<FileSystemMetaOptions>>().Value.EtcdEndpoints, sp.GetService<ILogger<EtcdKv>>()));
        services.AddSingleton<IFileSystemMeta>(sp => new KvMeta(
            sp.GetRequiredService<ITransactionalKv>(),
            sp.GetRequiredService<IOptions<FileSystemMetaOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<KvMeta>>()));
        return services;
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider))) services.AddSingleton(TimeProvider.System);
    }
}
