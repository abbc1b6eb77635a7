using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Data;

public static class FileDataServices
{
    /// <summary>
    /// Registers <see cref="FileData"/> (one per mount) over the registered <see cref="IFileSystemMeta"/>, storing slices
    /// through the Api: options from the <c>FileData</c> section and the top-level <c>ApiEndpoint</c> setting, then
    /// <paramref name="configure"/>; validated at start.
    /// </summary>
    public static IServiceCollection AddFileData(this IServiceCollection services, IConfiguration configuration, Action<FileDataOptions>? configure = null)
    {
        services.AddOptions<FileDataOptions>()
            .Bind(configuration.GetSection(FileDataOptions.Section))
            .Configure(o =>
            {
                if (configuration["ApiEndpoint"] is { Length: > 0 } api && o.ApiEndpoint.Length == 0)
                {
                    o.ApiEndpoint = api;
                }

                configure?.Invoke(o);
            })
            .Validate(o =>
            {
                o.Validate();
                return true;
            })
            .ValidateOnStart();
        services.AddSingleton(sp => FileData.Create(
            sp.GetRequiredService<IFileSystemMeta>(),
            sp.GetRequiredService<IOptions<FileDataOptions>>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<TimeProvider>()));
        return services;
    }
}
