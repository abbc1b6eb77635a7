using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using ObjectStore.Fuse;

namespace ObjectStore.IntegrationTests.FileSystem;

/// <summary>The libfuse binding on its own: a file system in memory, mounted for real through /dev/fuse.</summary>
[Trait("Category", "Integration")]
public sealed class FuseBindingTests : IAsyncLifetime
{
    private readonly string _mountPoint = Path.Combine(Path.GetTempPath(), "fuse-binding-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly MemoryFileSystem _fileSystem = new();
    private FuseMount _mount = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_mountPoint);
        _mount = FuseMount.Mount(_fileSystem, new FuseMountOptions { MountPoint = _mountPoint, FileSystemName = "memory-test" }, NullLogger.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _mount.DisposeAsync();
        Directory.Delete(_mountPoint);
    }

    [Fact]
    public async Task Files_written_through_the_mount_read_back_and_list()
    {
        Assert.Contains($"memory-test {_mountPoint} fuse.objectstore", await File.ReadAllTextAsync("/proc/mounts"));
        var content = RandomNumberGenerator.GetBytes(3 << 20);
        var directory = Path.Combine(_mountPoint, "dir");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "file.bin");
        await File.WriteAllBytesAsync(path, content);

        Assert.Equal(content.Length, new FileInfo(path).Length);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(await File.ReadAllBytesAsync(path)));
        Assert.True(_fileSystem.Calls["write"] >= 3, "a 3 MiB file takes at least three 1 MiB writes");

        for (var i = 0; i < 300; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, $"entry-{i:D3}-{new string('x', 40)}"), "");
        }

        // 300 long names do not fit in one readdir reply: the listing pages by offset.
        var names = Directory.GetFileSystemEntries(directory).Select(Path.GetFileName).ToList();
        Assert.Equal(301, names.Count);
        Assert.Contains("file.bin", names);

        File.Move(path, Path.Combine(_mountPoint, "moved.bin"));
        Assert.False(File.Exists(path));
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(_mountPoint, "moved.bin")));

        File.Delete(Path.Combine(_mountPoint, "moved.bin"));
        Assert.False(File.Exists(Path.Combine(_mountPoint, "moved.bin")));
    }

    [Fact]
    public async Task Sequential_reads_arrive_in_requests_larger_than_the_kernels_default_read_ahead()
    {
        // The kernel's own default (128 KiB) would cap every read request at 128 KiB; the mount raises its read-ahead.
        var device = File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')).Last(f => f[4] == _mountPoint)[2];
        Assert.Equal("4096", (await File.ReadAllTextAsync($"/sys/class/bdi/{device}/read_ahead_kb")).Trim());

        var content = RandomNumberGenerator.GetBytes(16 << 20);
        var path = Path.Combine(_mountPoint, "large.bin");
        await File.WriteAllBytesAsync(path, content);
        // A new open drops the kernel's cached pages of the file (no keep_cache), so the reads below reach the file system.
        await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0))
        {
            var buffer = new byte[1 << 20];
            var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, n);
            }

            Assert.Equal(SHA256.HashData(content), hash.GetHashAndReset());
        }

        Assert.True(_fileSystem.LargestRead > 128 << 10, $"largest read request {_fileSystem.LargestRead} bytes");
    }

    [Fact]
    public void Errors_come_back_as_their_errno()
    {
        Directory.CreateDirectory(Path.Combine(_mountPoint, "full"));
        File.WriteAllText(Path.Combine(_mountPoint, "full", "f"), "x");

        var notEmpty = Assert.ThrowsAny<IOException>(() => Directory.Delete(Path.Combine(_mountPoint, "full")));
        Assert.Equal(39, notEmpty.HResult & 0xFFFF); // ENOTEMPTY
        Assert.Throws<FileNotFoundException>(() => File.ReadAllBytes(Path.Combine(_mountPoint, "missing")));
        var tooLong = Assert.ThrowsAny<IOException>(() => File.WriteAllText(Path.Combine(_mountPoint, new string('n', 256)), ""));
        Assert.Contains("too long", tooLong.Message, StringComparison.OrdinalIgnoreCase);
        File.WriteAllText(Path.Combine(_mountPoint, new string('n', 255)), "a 255-byte name is fine");
    }

    [Fact]
    public void Statfs_reports_what_the_file_system_answers()
    {
        var drive = new DriveInfo(_mountPoint);
        Assert.Equal(1000L * 4096, drive.TotalSize);
        Assert.Equal(500L * 4096, drive.AvailableFreeSpace);
    }

    [Fact]
    public async Task Fusermount_from_outside_ends_the_session()
    {
        File.WriteAllText(Path.Combine(_mountPoint, "f"), "x");
        var unmount = System.Diagnostics.Process.Start("fusermount3", ["-u", _mountPoint])!;
        await unmount.WaitForExitAsync();
        Assert.Equal(0, unmount.ExitCode);

        await _mount.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(_mountPoint, await File.ReadAllTextAsync("/proc/mounts"));
    }
}
