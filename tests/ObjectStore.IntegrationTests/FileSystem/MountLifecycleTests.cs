using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests.FileSystem;

/// <summary>How a mount ends: SIGTERM, fusermount3 -u from outside, and SIGKILL followed by a new mount.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class MountLifecycleTests(InfraFixture infra) : IAsyncLifetime
{
    private VolumeUnderTest _volume = null!;

    public async Task InitializeAsync() => _volume = await VolumeUnderTest.StartAsync(infra);

    public async Task DisposeAsync() => await _volume.DisposeAsync();

    [Fact]
    public async Task Sigterm_and_fusermount_unmount_cleanly_and_a_killed_mount_loses_no_closed_file()
    {
        var first = await _volume.MountAsync();
        await File.WriteAllTextAsync(first.PathOf("before-term"), "kept");
        Assert.Equal(0, await first.StopAsync());
        Assert.False(MountProcess.IsMounted(first.MountPoint));

        var second = await _volume.MountAsync();
        Assert.Equal("kept", await File.ReadAllTextAsync(second.PathOf("before-term")));
        await Shell.CheckAsync($"fusermount3 -u '{second.MountPoint}'");
        await Eventually.TrueAsync(() => second.HasExited, TimeSpan.FromSeconds(30), "the mount exits after fusermount3 -u");
        Assert.Equal(0, second.ExitCode);

        var third = await _volume.MountAsync();
        Directory.CreateDirectory(third.PathOf("tree/deeper"));
        var content = TestData.Bytes(6 << 20, seed: 3);
        await File.WriteAllBytesAsync(third.PathOf("tree/deeper/closed.bin"), content);
        File.Move(third.PathOf("tree/deeper/closed.bin"), third.PathOf("tree/closed.bin"));
        var open = File.OpenHandle(third.PathOf("tree/open.bin"), FileMode.Create, FileAccess.Write);
        RandomAccess.Write(open, TestData.Bytes(1 << 20, seed: 4), 0); // buffered, never closed: may be lost, must not corrupt

        await third.KillAsync();
        open.Dispose();
        Assert.True(MountProcess.IsMounted(third.MountPoint), "a SIGKILLed mount stays in the mount table until fusermount3 -u");
        await Shell.CheckAsync($"fusermount3 -u '{third.MountPoint}'");

        var fourth = await _volume.MountAsync(third.MountPoint);
        Assert.Equal(content, await File.ReadAllBytesAsync(fourth.PathOf("tree/closed.bin")));
        Assert.False(File.Exists(fourth.PathOf("tree/deeper/closed.bin")));
        Assert.Equal(["closed.bin", "deeper", "open.bin"], Directory.GetFileSystemEntries(fourth.PathOf("tree")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var length = new FileInfo(fourth.PathOf("tree/open.bin")).Length;
        Assert.True(length is 0 or 1 << 20, $"the unclosed file has {length} bytes");
        await File.WriteAllTextAsync(fourth.PathOf("tree/after"), "the volume works after the crash");
        Assert.Equal("kept", await File.ReadAllTextAsync(fourth.PathOf("before-term")));
    }
}
