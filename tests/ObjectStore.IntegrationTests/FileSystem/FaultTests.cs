using System.Security.Cryptography;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests.FileSystem;

/// <summary>The file system under failures of its parts: an etcd member, two data nodes.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class FaultTests(InfraFixture infra) : IAsyncLifetime
{
    private VolumeUnderTest _volume = null!;

    // RS(4,2) on six nodes: any two may die.
    public async Task InitializeAsync() => _volume = await VolumeUnderTest.StartAsync(infra, dataNodes: 6,
        new Dictionary<string, string> { ["ObjectStore__DataShards"] = "4", ["ObjectStore__ParityShards"] = "2" });

    public async Task DisposeAsync() => await _volume.DisposeAsync();

    [Fact]
    public async Task Files_stay_writable_with_an_etcd_member_down_and_readable_with_two_data_nodes_down()
    {
        var mount = await _volume.MountAsync();
        var files = Enumerable.Range(0, 8).ToDictionary(i => $"f{i}", i => TestData.Bytes((i + 1) * 700_000, seed: 10 + i));
        foreach (var (name, content) in files.Take(4))
        {
            await File.WriteAllBytesAsync(mount.PathOf(name), content);
        }

        // Each member in turn, one at a time: the mount sends its calls to one member at a time, so one of these stops
        // the member it uses.
        foreach (var member in new[] { 1, 2, 3 })
        {
            await infra.StopEtcdMemberAsync(member);
            try
            {
                var name = $"f{3 + member}";
                await File.WriteAllBytesAsync(mount.PathOf(name), files[name]);
                var directory = $"made-with-member-{member}-down";
                Directory.CreateDirectory(mount.PathOf(directory));
                File.Move(mount.PathOf("f0"), mount.PathOf($"{directory}/f0"));
                File.Move(mount.PathOf($"{directory}/f0"), mount.PathOf("f0"));
            }
            finally
            {
                await infra.StartEtcdMemberAsync(member);
            }
        }

        await File.WriteAllBytesAsync(mount.PathOf("f7"), files["f7"]);

        await _volume.Cluster.Nodes[1].KillAsync();
        await _volume.Cluster.Nodes[4].KillAsync();

        // A new mount has nothing cached: every byte comes through the store's degraded reads.
        await mount.StopAsync();
        var fresh = await _volume.MountAsync();
        foreach (var (name, content) in files)
        {
            var read = await File.ReadAllBytesAsync(fresh.PathOf(name));
            Assert.True(SHA256.HashData(content).AsSpan().SequenceEqual(SHA256.HashData(read)), $"{name} differs\n{_volume.Logs()}");
        }
    }
}
