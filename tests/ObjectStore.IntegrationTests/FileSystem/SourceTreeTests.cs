using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests.FileSystem;

/// <summary>
/// A real source tree on the mount: unpacked with tar, compared, put under git, copied back out. The product's own
/// sources (<c>shared</c>, <c>functions</c>, <c>clients</c>: some 260 files of all sizes, and git adds as many objects),
/// not the whole repository, which grows with every test and benchmark and made this the slowest test.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SourceTreeTests(InfraFixture infra) : IAsyncLifetime
{
    private VolumeUnderTest _volume = null!;

    public async Task InitializeAsync() => _volume = await VolumeUnderTest.StartAsync(infra);

    public async Task DisposeAsync() => await _volume.DisposeAsync();

    [Fact]
    public async Task This_repositorys_sources_unpack_compare_commit_and_copy_back_intact()
    {
        var mount = await _volume.MountAsync();
        var archive = Path.Combine(_volume.LocalDirectory, "source.tar");
        await Shell.CheckAsync($"git -C '{Repository.Root}' archive --format=tar -o '{archive}' HEAD shared functions clients");
        var local = Path.Combine(_volume.LocalDirectory, "tree");
        var onMount = mount.PathOf("tree");
        await Shell.CheckAsync($"mkdir -p '{local}' '{onMount}' && tar -xf '{archive}' -C '{local}' && tar -xf '{archive}' -C '{onMount}'");
        var files = int.Parse((await Shell.CheckAsync($"find '{onMount}' -type f | wc -l")).Trim());
        Assert.True(files > 100, $"only {files} files unpacked");

        var diff = await Shell.RunAsync($"diff -r '{local}' '{onMount}'");
        Assert.True(diff.ExitCode == 0, $"diff -r found differences: {diff}\n{_volume.Logs()}");

        const string git = "git -c user.name=t -c user.email=t@example.com -c init.defaultBranch=main";
        await Shell.CheckAsync($"{git} init -q && {git} add -A && {git} commit -qm import", onMount);
        Assert.Equal(string.Empty, await Shell.CheckAsync($"{git} status --porcelain", onMount));
        await Shell.CheckAsync($"{git} fsck --no-progress", onMount);

        var copy = Path.Combine(_volume.LocalDirectory, "copy");
        await Shell.CheckAsync($"cp -a '{onMount}' '{copy}'");
        const string sums = "find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha256sum";
        Assert.Equal(await Shell.CheckAsync(sums, local), await Shell.CheckAsync(sums, copy));
    }
}
