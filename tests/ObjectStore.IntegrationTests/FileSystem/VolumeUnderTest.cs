using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests.FileSystem;

/// <summary>A test cluster and a fresh volume of its own (a GUID name: keys and slice objects never collide across tests).</summary>
public sealed class VolumeUnderTest : IAsyncDisposable
{
    private readonly InfraFixture _infra;
    private readonly List<MountProcess> _mounts = [];

    private VolumeUnderTest(InfraFixture infra, TestCluster cluster)
    {
        _infra = infra;
        Cluster = cluster;
    }

    public TestCluster Cluster { get; }

    public string Volume { get; } = "t" + Guid.NewGuid().ToString("N")[..12];

    public string ApiEndpoint => Cluster.Apis[0].BaseUrl;

    /// <summary>Local scratch directory for the same operations on a real disk.</summary>
    public string LocalDirectory { get; } = Path.Combine(Path.GetTempPath(), "objectstore-local-" + Guid.NewGuid().ToString("N")[..8]);

    public static async Task<VolumeUnderTest> StartAsync(InfraFixture infra, int dataNodes = 3, IReadOnlyDictionary<string, string>? settings = null)
    {
        var cluster = await TestCluster.StartAsync(infra, dataNodes, settings: settings);
        var volume = new VolumeUnderTest(infra, cluster);
        Directory.CreateDirectory(volume.LocalDirectory);
        return volume;
    }

    public async Task<MountProcess> MountAsync(string? mountPoint = null)
    {
        var mount = await MountProcess.StartAsync(ApiEndpoint, _infra.EtcdEndpoints, Volume, mountPoint);
        _mounts.Add(mount);
        return mount;
    }

    public string Logs() => string.Join("\n", _mounts.Select(m => $"==== mount {m.MountPoint}\n{m.Log}")) + "\n" + Cluster.Logs();

    public async ValueTask DisposeAsync()
    {
        foreach (var mount in _mounts)
        {
            await mount.DisposeAsync();
        }

        await Cluster.DisposeAsync();
        Directory.Delete(LocalDirectory, recursive: true);
    }
}
