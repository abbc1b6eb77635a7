using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ObjectStore.IntegrationTests.FileSystem;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests;

/// <summary>
/// The newcomer's ./run, as a process, on the test build: a DataNode killed with SIGKILL leaves the Api and the other
/// nodes serving and drops out of /nodes, <c>scripts/node start</c> brings it back, and SIGTERM stops every process;
/// objects and the files of the printed <c>scripts/mount</c> line are there after ./run is stopped and started again.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class RunScriptTests(InfraFixture infra) : IAsyncLifetime
{
    private const int DataNodes = 3;
    private readonly string _state = Path.Combine(Path.GetTempPath(), "objectstore-run-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly StringBuilder _output = new();
    private Process? _run;
    private Process? _mount;

    private string MountPoint => _state + "-mnt";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_mount is { HasExited: false })
        {
            _mount.Kill();
            await _mount.WaitForExitAsync();
        }

        if (MountProcess.IsMounted(MountPoint))
        {
            Process.Start("fusermount3", ["-u", "-z", MountPoint])!.WaitForExit();
        }

        _mount?.Dispose();
        try
        {
            // Empty once unmounted; never recursive, so nothing seen through a mount that is still there is touched.
            if (Directory.Exists(MountPoint) && !MountProcess.IsMounted(MountPoint))
            {
                Directory.Delete(MountPoint);
            }
        }
        catch (IOException)
        {
        }

        if (_run is { HasExited: false })
        {
            Process.Start("kill", ["-TERM", _run.Id.ToString()])!.WaitForExit();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _run.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _run.Kill(entireProcessTree: true);
            }
        }

        _run?.Dispose();
        try
        {
            Directory.Delete(_state, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private Dictionary<string, string> Environment(int apiPort, int nodePort)
    {
        var id = Path.GetFileName(_state);
        return new Dictionary<string, string>
        {
            ["API_PORT"] = apiPort.ToString(),
            ["DATANODE_PORT"] = nodePort.ToString(),
            ["DATANODES"] = DataNodes.ToString(),
            ["RUN_STATE_DIR"] = _state,
            ["RUN_CONFIGURATION"] = Repository.Configuration,
            ["RUN_SKIP_BUILD"] = "1",
            ["RabbitMQConnection"] = infra.RabbitMQConnection,
            ["AzureWebJobsStorage"] = infra.AzureWebJobsStorage,
            ["EtcdEndpoints"] = infra.EtcdEndpoints,
            ["ObjectStore__HeartbeatExchange"] = $"apiServers-{id}",
            ["ObjectStore__LocateExchange"] = $"dataServers-{id}",
            ["ObjectStore__MetadataExchange"] = $"apiMetadata-{id}",
            ["ObjectStore__MetadataContainer"] = $"meta-{id}",
            ["ObjectStore__RepairQueue"] = $"repairs-{id}",
            // Its own names in etcd: dedup trusts content records, and one left by an earlier run on the same infra
            // (whose data directories are gone) would make this run's PUT store nothing.
            ["ObjectStore__EtcdPrefix"] = $"run-{id}",
            // RS(2,1): small objects as two copies, so two live nodes of three still take PUTs.
            ["ObjectStore__DataShards"] = "2",
            ["ObjectStore__ParityShards"] = "1",
            ["AzureFunctionsJobHost__id"] = $"run-{id}",
            ["DataNodeHostId"] = $"run-{id}",
        };
    }

    private async Task<Process> StartRunAsync(Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(Path.Combine(Repository.Root, "run")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var ready = Output.Split("ready: http://127.0.0.1:").Length;
        _run = Process.Start(info)!;
        _run.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (_output) { _output.AppendLine(e.Data); } } };
        _run.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (_output) { _output.AppendLine(e.Data); } } };
        _run.BeginOutputReadLine();
        _run.BeginErrorReadLine();
        await Eventually.TrueAsync(() => Output.Split("ready: http://127.0.0.1:").Length > ready || _run.HasExited, TimeSpan.FromMinutes(5), "./run ready");
        Assert.False(_run.HasExited, "./run exited:\n" + Output);
        return _run;
    }

    private async Task StopRunAsync()
    {
        Process.Start("kill", ["-TERM", _run!.Id.ToString()])!.WaitForExit();
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _run.WaitForExitAsync(grace.Token);
    }

    /// <summary><c>scripts/mount DIR</c> as ./run prints it, in the foreground until <see cref="StopMountAsync"/>.</summary>
    private async Task StartMountAsync(Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(Path.Combine(Repository.Root, "scripts", "mount"), [MountPoint]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        // Built by this test run (in its configuration, which ./run recorded); a user's first mount builds it.
        info.Environment["MOUNT_NO_BUILD"] = "1";
        _mount = Process.Start(info)!;
        _mount.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (_output) { _output.AppendLine("[mount] " + e.Data); } } };
        _mount.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (_output) { _output.AppendLine("[mount] " + e.Data); } } };
        _mount.BeginOutputReadLine();
        _mount.BeginErrorReadLine();
        await Eventually.TrueAsync(() => MountProcess.IsMounted(MountPoint) || _mount.HasExited, TimeSpan.FromMinutes(1), "scripts/mount mounted");
        Assert.False(_mount.HasExited, "scripts/mount exited:\n" + Output);
    }

    /// <summary>
    /// <c>fusermount3 -u DIR</c>, as ./run prints it: the mount exits 0. (Not Ctrl-C: a process started in the background
    /// of a non-interactive shell, as this test run may be, inherits SIGINT ignored; MountLifecycleTests covers signals.)
    /// </summary>
    private async Task StopMountAsync()
    {
        using (var unmount = Process.Start("fusermount3", ["-u", MountPoint])!)
        {
            await unmount.WaitForExitAsync();
            Assert.True(unmount.ExitCode == 0, $"fusermount3 -u {MountPoint} exited {unmount.ExitCode}");
        }

        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _mount!.WaitForExitAsync(grace.Token);
        Assert.True(_mount.ExitCode == 0, $"scripts/mount exited {_mount.ExitCode} after fusermount3 -u:\n{Output}");
        Assert.False(MountProcess.IsMounted(MountPoint), "still mounted after fusermount3 -u");
    }

    private async Task<int> RunNodeScriptAsync(Dictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(Repository.Root, "scripts", "node"), args) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        lock (_output)
        {
            _output.AppendLine($"[scripts/node {string.Join(' ', args)}] {output}");
        }

        return process.ExitCode;
    }

    private static async Task<List<string>> LiveNodesAsync(HttpClient client)
    {
        using var document = JsonDocument.Parse(await client.GetStringAsync("/nodes"));
        return document.RootElement.EnumerateArray().Select(n => n.GetProperty("address").GetString()!).Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task A_killed_data_node_is_reported_leaves_nodes_within_15_s_and_comes_back_with_scripts_node()
    {
        var (apiPort, nodePort) = (LoopbackPorts.Take(), LoopbackPorts.Take(DataNodes));
        var environment = Environment(apiPort, nodePort);
        var run = await StartRunAsync(environment);
        Assert.Contains("function key (x-functions-key or ?code=): ", Output, StringComparison.Ordinal);

        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}") };
        var all = Enumerable.Range(0, DataNodes).Select(i => $"127.0.0.1:{nodePort + i}").ToList();
        Assert.Equal(all, await LiveNodesAsync(client));
        var body = Encoding.UTF8.GetBytes("this is a test objects");
        Assert.True((await client.PutAsync("/objects/test", new ByteArrayContent(body))).IsSuccessStatusCode);
        var pids = Directory.GetFiles(Path.Combine(_state, "pids")).ToDictionary(f => Path.GetFileNameWithoutExtension(f)!, f => int.Parse(File.ReadAllText(f).Trim()));

        Process.Start("kill", ["-KILL", pids["node2"].ToString()])!.WaitForExit();
        var left = all.Where(a => a != $"127.0.0.1:{nodePort + 1}").ToList();
        await Eventually.ReturnsAsync(async () => (await LiveNodesAsync(client)).SequenceEqual(left), gone => gone, TimeSpan.FromSeconds(15), "node 2 gone from /nodes");
        Assert.Equal(body, await client.GetByteArrayAsync("/objects/test"));
        using (var afterKill = await client.PutAsync("/objects/after-kill", new ByteArrayContent(body)))
        {
            Assert.True(afterKill.IsSuccessStatusCode, $"PUT with a node down: {(int)afterKill.StatusCode} {await afterKill.Content.ReadAsStringAsync()}");
        }
        await Eventually.TrueAsync(() => Output.Contains("run: DataNode 2 (127.0.0.1:", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "./run reporting node 2 down");
        Assert.False(run.HasExited, "./run exited when a node died:\n" + Output);

        Assert.Equal(0, await RunNodeScriptAsync(environment, "start", "2"));
        await Eventually.ReturnsAsync(async () => (await LiveNodesAsync(client)).SequenceEqual(all), back => back, TimeSpan.FromSeconds(30), "node 2 back in /nodes");
        Assert.Equal(body, await client.GetByteArrayAsync("/objects/after-kill"));
        var restarted = int.Parse(File.ReadAllText(Path.Combine(_state, "pids", "node2.pid")).Trim());

        await StopRunAsync();
        foreach (var pid in pids.Values.Append(restarted))
        {
            Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("ObjectStore.", StringComparison.Ordinal), $"pid {pid} still runs after ./run stopped\n{Output}");
        }
    }

    [Fact]
    public async Task What_was_stored_is_there_after_run_is_stopped_and_started_again()
    {
        // ./run with infrastructure of its own, as a newcomer starts it: stopping it must not lose the metadata in etcd
        // (the data nodes keep their bytes, and bytes that no record knows are collected).
        var (apiPort, nodePort) = (LoopbackPorts.Take(), LoopbackPorts.Take(DataNodes));
        var environment = Environment(apiPort, nodePort);
        environment.Remove("RabbitMQConnection");
        environment.Remove("AzureWebJobsStorage");
        environment.Remove("EtcdEndpoints");
        await StartRunAsync(environment);
        Assert.Contains("scripts/mount ", Output, StringComparison.Ordinal);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}") };
        var body = TestData.Bytes(70_000, 77);
        Assert.True((await client.PutAsync("/objects/kept", new ByteArrayContent(body))).IsSuccessStatusCode);
        Assert.True((await client.PutAsync("/objects/kept", new ByteArrayContent(body.AsSpan(0, 1000).ToArray()))).IsSuccessStatusCode);
        var versions = await client.GetStringAsync("/versions/kept");
        var file = TestData.Bytes((5 * 1024 * 1024) + 3, 78);
        await StartMountAsync(environment);
        Directory.CreateDirectory(Path.Combine(MountPoint, "docs"));
        await File.WriteAllBytesAsync(Path.Combine(MountPoint, "docs", "big.bin"), file);
        await File.WriteAllTextAsync(Path.Combine(MountPoint, "docs", "small.txt"), "kept across restarts\n");
        await StopMountAsync();

        await StopRunAsync();
        await StartRunAsync(environment);

        await StartMountAsync(environment);
        Assert.Equal(file, await File.ReadAllBytesAsync(Path.Combine(MountPoint, "docs", "big.bin")));
        Assert.Equal("kept across restarts\n", await File.ReadAllTextAsync(Path.Combine(MountPoint, "docs", "small.txt")));
        Assert.Equal(["big.bin", "small.txt"], Directory.GetFiles(Path.Combine(MountPoint, "docs")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        await StopMountAsync();
        using var after = await client.GetAsync("/versions/kept");
        Assert.True(after.IsSuccessStatusCode, $"versions after the restart: {(int)after.StatusCode}\n{Output}");
        Assert.Equal(versions, await after.Content.ReadAsStringAsync());
        Assert.Equal(body.AsSpan(0, 1000).ToArray(), await client.GetByteArrayAsync("/objects/kept"));
        Assert.Equal(body, await client.GetByteArrayAsync("/objects/kept?version=1"));
        Assert.Contains("restarting the etcd cluster kept in", Output, StringComparison.Ordinal);
    }
}
