using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Tests.Meta;

public sealed class FileSystemMetaServicesTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddFileSystemMeta(configuration).BuildServiceProvider();
    }

    [Fact]
    public async Task Options_come_from_the_FileSystem_section_and_the_top_level_EtcdEndpoints_setting()
    {
        // The meta and its etcd client dispose asynchronously only: the container must be disposed with DisposeAsync (as hosts do).
        await using var services = Build(new()
        {
            ["EtcdEndpoints"] = "http://127.0.0.1:1,http://127.0.0.1:2",
            ["FileSystem:Volume"] = "photos",
            ["FileSystem:InodeBatchSize"] = "7",
            ["FileSystem:OperationTimeout"] = "00:00:03",
        });
        var options = services.GetRequiredService<IOptions<FileSystemMetaOptions>>().Value;
        Assert.Equal(("http://127.0.0.1:1,http://127.0.0.1:2", "photos", 7, TimeSpan.FromSeconds(3)), (options.EtcdEndpoints, options.Volume, options.InodeBatchSize, options.OperationTimeout));
        Assert.IsType<KvMeta>(services.GetRequiredService<IFileSystemMeta>());
    }

    [Fact]
    public void Missing_endpoints_or_a_bad_volume_name_are_refused_with_a_clear_message()
    {
        using var noEndpoints = Build(new() { ["FileSystem:Volume"] = "v" });
        var e = Assert.Throws<OptionsValidationException>(() => noEndpoints.GetRequiredService<IOptions<FileSystemMetaOptions>>().Value);
        Assert.Contains("EtcdEndpoints", e.Message);
        using var badVolume = Build(new() { ["EtcdEndpoints"] = "http://127.0.0.1:1", ["FileSystem:Volume"] = "a/b" });
        Assert.Throws<OptionsValidationException>(() => badVolume.GetRequiredService<IOptions<FileSystemMetaOptions>>().Value);
    }
}
