using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests.FileSystem;

/// <summary>Two mounts of one volume (two machines, as far as the file system can tell).</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class TwoMountsTests(InfraFixture infra) : IAsyncLifetime
{
    private VolumeUnderTest _volume = null!;

    public async Task InitializeAsync() => _volume = await VolumeUnderTest.StartAsync(infra);

    public async Task DisposeAsync() => await _volume.DisposeAsync();

    [Fact]
    public async Task Closed_files_and_renames_are_seen_by_the_other_mount_and_concurrent_renames_lose_nothing()
    {
        var one = await _volume.MountAsync();
        var two = await _volume.MountAsync();

        // Close-to-open: written and closed in one, opened in the other, read whole.
        var content = TestData.Bytes(9 << 20, seed: 2);
        await File.WriteAllBytesAsync(one.PathOf("shared.bin"), content);
        Assert.Equal(content, await File.ReadAllBytesAsync(two.PathOf("shared.bin")));

        // Rewritten shorter in the second: the first sees the new contents and size at its next open.
        await File.WriteAllTextAsync(two.PathOf("shared.bin"), "short now");
        Assert.Equal("short now", await ReadWithinAttributeTimeoutAsync(one.PathOf("shared.bin"), "short now"));

        Directory.CreateDirectory(one.PathOf("from"));
        await File.WriteAllTextAsync(one.PathOf("from/name"), "moved");
        File.Move(one.PathOf("from/name"), one.PathOf("renamed"));
        Assert.Equal("moved", await ReadWithinAttributeTimeoutAsync(two.PathOf("renamed"), "moved"));
        Assert.False(File.Exists(two.PathOf("from/name")) && File.Exists(one.PathOf("from/name")));

        // Both mounts rename their own 60 files into one directory at the same time.
        Directory.CreateDirectory(one.PathOf("target"));
        foreach (var (mount, side) in new[] { (one, "one"), (two, "two") })
        {
            Directory.CreateDirectory(mount.PathOf($"src-{side}"));
            for (var i = 0; i < 60; i++)
            {
                await File.WriteAllTextAsync(mount.PathOf($"src-{side}/{i}"), $"{side} {i}");
            }
        }

        await Task.WhenAll(new[] { (one, "one"), (two, "two") }.Select(pair => Task.Run(() =>
        {
            for (var i = 0; i < 60; i++)
            {
                File.Move(pair.Item1.PathOf($"src-{pair.Item2}/{i}"), pair.Item1.PathOf($"target/{pair.Item2}-{i}"));
            }
        })));

        foreach (var mount in new[] { one, two })
        {
            var names = Directory.GetFiles(mount.PathOf("target")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(120, names.Count);
            Assert.Empty(Directory.GetFiles(mount.PathOf("src-one")));
            Assert.Equal("two 7", await File.ReadAllTextAsync(mount.PathOf("target/two-7")));
        }
    }

    /// <summary>The kernel may answer from its attribute cache for up to the attribute timeout (1 s); then it must match.</summary>
    private static async Task<string> ReadWithinAttributeTimeoutAsync(string path, string expected) =>
        await Eventually.ReturnsAsync(async () => File.Exists(path) ? await File.ReadAllTextAsync(path) : "<missing>",
            text => text == expected, TimeSpan.FromSeconds(5), $"{path} reads '{expected}'");
}
