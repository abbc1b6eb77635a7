using System.Security.Cryptography;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests.FileSystem;

/// <summary>Files on the mount behave as on a local disk: the same operations on both give the same bytes and errors.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class LocalDiskParityTests(InfraFixture infra) : IAsyncLifetime
{
    /// <summary>Size of the dd test in MiB: small in ./test, 1024 in a bench run (FS_TEST_BIG_FILE_MB).</summary>
    private static readonly int BigFileMiB = int.TryParse(Environment.GetEnvironmentVariable("FS_TEST_BIG_FILE_MB"), out var m) ? m : 96;

    private VolumeUnderTest _volume = null!;
    private MountProcess _mount = null!;

    public async Task InitializeAsync()
    {
        _volume = await VolumeUnderTest.StartAsync(infra);
        try
        {
            _mount = await _volume.MountAsync();
        }
        catch
        {
            await _volume.DisposeAsync(); // xUnit does not dispose what failed to initialize
            throw;
        }
    }

    public async Task DisposeAsync() => await _volume.DisposeAsync();

    [Fact]
    public async Task A_big_file_written_with_dd_reads_back_with_the_same_sha256()
    {
        var source = Path.Combine(_volume.LocalDirectory, "big");
        await Shell.CheckAsync($"head -c {BigFileMiB}M /dev/urandom > '{source}'");
        var target = _mount.PathOf("big");
        await Shell.CheckAsync($"dd if='{source}' of='{target}' bs=1M status=none");
        Assert.Equal((long)BigFileMiB << 20, new FileInfo(target).Length);

        var expected = (await Shell.CheckAsync($"sha256sum < '{source}'")).Trim();
        Assert.Equal(expected, (await Shell.CheckAsync($"dd if='{target}' bs=1M status=none | sha256sum")).Trim());

        // A fresh mount has no cached block: the bytes come from the store.
        await _mount.StopAsync();
        var second = await _volume.MountAsync();
        Assert.Equal(expected, (await Shell.CheckAsync($"sha256sum < '{second.PathOf("big")}'")).Trim());
    }

    [Fact]
    public async Task Random_writes_appends_truncates_and_holes_match_a_local_disk()
    {
        var random = new Random(8);
        string[] files = ["a", "b", "c"];
        for (var step = 0; step < 120; step++)
        {
            var name = files[random.Next(files.Length)];
            var operation = random.Next(6);
            var offset = random.Next(0, 3 << 20);
            var data = TestData.Bytes(random.Next(1, 200_000), seed: step);
            var length = random.Next(0, 4 << 20);
            foreach (var root in new[] { _volume.LocalDirectory, _mount.MountPoint })
            {
                var path = Path.Combine(root, name);
                using var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite);
                switch (operation)
                {
                    case 0 or 1: // write anywhere, also far past the end (a hole)
                        RandomAccess.Write(handle, data, offset);
                        break;
                    case 2: // append
                        RandomAccess.Write(handle, data, RandomAccess.GetLength(handle));
                        break;
                    case 3: // truncate up or down
                        RandomAccess.SetLength(handle, length);
                        break;
                    case 4: // overwrite inside what exists
                        RandomAccess.Write(handle, data, Math.Min(offset, RandomAccess.GetLength(handle)));
                        break;
                    default: // read back a range while the file is open and changing
                        var buffer = new byte[data.Length];
                        _ = RandomAccess.Read(handle, buffer, offset);
                        break;
                }
            }
        }

        foreach (var name in files)
        {
            var local = await File.ReadAllBytesAsync(Path.Combine(_volume.LocalDirectory, name));
            var mounted = await File.ReadAllBytesAsync(_mount.PathOf(name));
            Assert.True(local.Length == mounted.Length, $"{name}: {mounted.Length} bytes on the mount, {local.Length} on disk");
            Assert.True(SHA256.HashData(local).SequenceEqual(SHA256.HashData(mounted)), $"{name} differs from the local copy");
        }
    }

    [Fact]
    public async Task O_APPEND_writers_and_sparse_files_match_a_local_disk()
    {
        // Shell ">>" opens with O_APPEND; two writers interleave and neither overwrites the other.
        const string script = """
            for i in $(seq 1 40); do echo "one $i" >> log; echo "two $i" >> log; done
            exec 3>>both; exec 4>>both; for i in $(seq 1 20); do echo "fd3 $i" >&3; echo "fd4 $i" >&4; done; exec 3>&- 4>&-
            truncate -s 5M sparse; printf end >> sparse; dd if=/dev/zero of=sparse bs=1 count=3 seek=1000 conv=notrunc status=none
            """;
        await Shell.CheckAsync(script, _volume.LocalDirectory);
        await Shell.CheckAsync(script, _mount.MountPoint);
        foreach (var name in new[] { "log", "both", "sparse" })
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_volume.LocalDirectory, name)), await File.ReadAllBytesAsync(_mount.PathOf(name)));
        }
    }

    [Fact]
    public async Task Errors_permissions_and_df_are_what_users_expect()
    {
        await Shell.CheckAsync("mkdir -p full && touch full/f", _mount.MountPoint);
        var rmdir = await Shell.RunAsync("rmdir full", _mount.MountPoint);
        Assert.Contains("Directory not empty", rmdir.Error);
        var tooLong = await Shell.RunAsync($"touch {new string('n', 256)}", _mount.MountPoint);
        Assert.Contains("File name too long", tooLong.Error);
        await Shell.CheckAsync($"touch {new string('n', 255)}", _mount.MountPoint);
        Assert.Contains("No such file", (await Shell.RunAsync("cat missing", _mount.MountPoint)).Error);
        Assert.Contains("Not a directory", (await Shell.RunAsync("ls full/f/x", _mount.MountPoint)).Error);
        Assert.Contains("File exists", (await Shell.RunAsync("mkdir full", _mount.MountPoint)).Error);

        // default_permissions: the kernel checks modes against the caller.
        await Shell.CheckAsync("echo secret > private && chmod 600 private && echo open > public && chmod 644 public", _mount.MountPoint);
        var denied = await Shell.RunAsync("setpriv --reuid 65534 --regid 65534 --clear-groups cat private", _mount.MountPoint);
        Assert.Contains("Permission denied", denied.Error);
        Assert.Equal("open\n", await Shell.CheckAsync("setpriv --reuid 65534 --regid 65534 --clear-groups cat public", _mount.MountPoint));
        await Shell.CheckAsync("chmod 644 private && chown 65534:65534 public", _mount.MountPoint);
        Assert.Equal("secret\n", await Shell.CheckAsync("setpriv --reuid 65534 --regid 65534 --clear-groups cat private", _mount.MountPoint));
        Assert.Equal("65534:65534 644\n", await Shell.CheckAsync("stat -c '%u:%g %a' public", _mount.MountPoint));
        await Shell.CheckAsync("setpriv --reuid 65534 --regid 65534 --clear-groups sh -c 'echo mine >> public'", _mount.MountPoint);
        Assert.Contains("Operation not permitted",
            (await Shell.RunAsync("setpriv --reuid 65534 --regid 65534 --clear-groups chown 0 private", _mount.MountPoint)).Error);

        // df: the capacity is the data nodes' free space plus what the volume uses, each disk counted once: the test
        // cluster's nodes all keep their data in one folder, so the mount has that folder's disk's free space.
        using var nodes = System.Text.Json.JsonDocument.Parse(await _volume.Cluster.Client.GetStringAsync("/nodes"));
        Assert.True(nodes.RootElement.GetArrayLength() > 1);
        Assert.Single(nodes.RootElement.EnumerateArray().Select(n => n.GetProperty("volume").GetString()).Distinct());
        var free = new DriveInfo(_volume.Cluster.Directory).AvailableFreeSpace;
        var size = long.Parse((await Shell.CheckAsync($"df -B1 --output=size '{_mount.MountPoint}' | tail -1")).Trim());
        Assert.True(free > 0 && size >= free * 9 / 10 && size <= free * 11 / 10 + (64 << 20), $"df size {size}, the nodes' disk has {free} free");
        Assert.Contains($"objectstore:{_volume.Volume}", await Shell.CheckAsync($"df '{_mount.MountPoint}'"));
    }
}
