using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests.FileSystem;

/// <summary>
/// The mount program (clients/ObjectStore.Mount) run as a user runs it, serving one volume of a test cluster at a
/// private directory; stopped with SIGTERM (a clean unmount) or SIGKILL (a crash).
/// </summary>
public sealed partial class MountProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private MountProcess(string mountPoint, Process process)
    {
        MountPoint = mountPoint;
        _process = process;
    }

    public string MountPoint { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static string Dll => Path.Combine(Repository.Root, "clients", "ObjectStore.Mount", "bin", Repository.Configuration, "net10.0", "ObjectStore.Mount.dll");

    /// <summary>Starts the mount and waits until the kernel lists it in /proc/mounts.</summary>
    public static async Task<MountProcess> StartAsync(string apiEndpoint, string etcdEndpoints, string volume, string? mountPoint = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        mountPoint ??= Path.Combine(Path.GetTempPath(), "objectstore-mnt-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(mountPoint);
        var start = new ProcessStartInfo("dotnet", [Dll, mountPoint, "--api", apiEndpoint, "--etcd", etcdEndpoints, "--volume", volume])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["Mount__CollectInterval"] = "00:00:02";
        // These machines run several clusters at once on two cores: be patient with etcd rather than flaky.
        start.Environment["FileSystem__OperationTimeout"] = "00:00:30";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var mount = new MountProcess(mountPoint, Process.Start(start)!);
        mount._process.OutputDataReceived += (_, e) => mount.Append(e.Data);
        mount._process.ErrorDataReceived += (_, e) => mount.Append(e.Data);
        mount._process.BeginOutputReadLine();
        mount._process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!IsMounted(mountPoint))
        {
            if (mount._process.HasExited || DateTime.UtcNow > deadline)
            {
                await mount.KillAsync();
                throw new InvalidOperationException($"the mount did not appear at {mountPoint}:\n{mount.Log}");
            }

            await Task.Delay(100);
        }

        return mount;
    }

    public static bool IsMounted(string mountPoint) =>
        File.ReadLines("/proc/mounts").Any(l => l.Split(' ') is [_, var point, var type, ..] && point == mountPoint && type == "fuse.objectstore");

    /// <summary>Path of a file inside the mount.</summary>
    public string PathOf(string relative) => Path.Combine(MountPoint, relative);

    /// <summary>SIGTERM, as Ctrl-C or a service manager: the program must unmount and exit 0.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, 15);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(grace.Token);
        }

        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the mount stays behind, stale ("Transport endpoint is not connected") until fusermount3 -u.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await StopAsync();
            }
            catch (OperationCanceledException)
            {
                await KillAsync();
            }
        }

        if (IsMounted(MountPoint))
        {
            await Shell.RunAsync($"fusermount3 -u -z '{MountPoint}'");
        }

        try
        {
            Directory.Delete(MountPoint);
        }
        catch (IOException)
        {
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
