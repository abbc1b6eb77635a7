using System.Diagnostics;
using System.Net.Sockets;

namespace ObjectStore.IntegrationTests.Infrastructure;

/// <summary>A function app run as a real process, so that a test can kill it, restart it and read its peak memory.</summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly string _dll;
    private readonly Dictionary<string, string> _environment;
    private readonly string _logPath;
    private Process? _process;

    public AppProcess(string name, string dll, Dictionary<string, string> environment, string logDirectory)
    {
        Name = name;
        _dll = dll;
        _environment = environment;
        _logPath = Path.Combine(logDirectory, name + ".log");
        Address = environment["LISTEN_ADDRESS"];
    }

    public string Name { get; }

    /// <summary>host:port</summary>
    public string Address { get; }

    public string BaseUrl => "http://" + Address;

    public bool IsRunning => _process is { HasExited: false };

    public string Log => File.Exists(_logPath) ? File.ReadAllText(_logPath) : string.Empty;

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo("dotnet", [_dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Not the repository root: a developer's local.settings.json must not leak into tests.
            WorkingDirectory = Path.GetDirectoryName(_logPath)!,
        };
        foreach (var (key, value) in _environment)
        {
            info.Environment[key] = value;
        }

        var log = new StreamWriter(_logPath, append: true) { AutoFlush = true };
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilListeningAsync();
    }

    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        var (host, port) = (Address[..Address.LastIndexOf(':')], int.Parse(Address[(Address.LastIndexOf(':') + 1)..]));
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                // HasExited can be seen before the output readers have written the last lines (the app's reason):
                // WaitForExitAsync also waits for both redirected streams to end.
                await _process.WaitForExitAsync();
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(host, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"{Name} did not listen on {Address} within 120 s (a loaded machine starts .NET slowly):\n{Log}");
    }

    /// <summary>SIGKILL: the node gets no chance to say goodbye, as when a machine dies.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Peak resident memory (VmHWM) of the running process, in bytes.</summary>
    public long PeakMemoryBytes()
    {
        var line = File.ReadLines($"/proc/{_process!.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            // SIGTERM first so the app shuts down cleanly, then make sure.
            Process.Start("kill", ["-TERM", _process.Id.ToString()])?.WaitForExit();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                await KillAsync();
            }
        }

        _process?.Dispose();
    }
}
