using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace ObjectStore.IntegrationTests.Infrastructure;

/// <summary>A data node started by <c>./run</c>, as its <c>nodes.tsv</c> lists it.</summary>
public sealed class RunNode(string name, int pid, string address, string storageRoot, string log, string dll)
{
    public string Name { get; } = name;

    public int Pid { get; internal set; } = pid;

    public string Address { get; } = address;

    public string StorageRoot { get; } = storageRoot;

    public string Log { get; } = log;

    public string Dll { get; } = dll;

    public bool IsRunning { get; internal set; } = true;

    internal Process? Restarted { get; set; }

    public override string ToString() => $"{Name} ({Address}, pid {Pid})";
}

/// <summary>
/// The whole system as a user starts it: <c>./run</c> as a real process with its own state directory and ports,
/// its data nodes found in <c>nodes.tsv</c>, SIGKILLed and started again by the caller. Shared by the integration
/// tests and the soak command (bench/ObjectStore.Soak links this file).
/// </summary>
public sealed class RunCluster : IAsyncDisposable
{
    private readonly Process _run;
    private readonly StringBuilder _output;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _repository;
    private int _disposed;

    private RunCluster(Process run, StringBuilder output, IReadOnlyDictionary<string, string> environment, string repository, string apiAddress, IReadOnlyList<RunNode> nodes)
    {
        _run = run;
        _repository = repository;
        _output = output;
        _environment = environment;
        ApiAddress = apiAddress;
        Nodes = nodes;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{apiAddress}"), Timeout = TimeSpan.FromMinutes(5) };
    }

    public string ApiAddress { get; }

    public IReadOnlyList<RunNode> Nodes { get; }

    public HttpClient Client { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>./run</c> from <paramref name="repository"/> with <paramref name="dataNodes"/> nodes on free loopback
    /// ports and waits for its "ready:" line. <paramref name="environment"/> reaches every process it starts.
    /// </summary>
    public static async Task<RunCluster> StartAsync(string repository, string stateDirectory, int dataNodes, IReadOnlyDictionary<string, string> environment, string configuration, TimeSpan timeout)
    {
        var apiPort = FreePorts(1)[0];
        var nodePort = FreePorts(dataNodes)[0];
        var info = new ProcessStartInfo("bash", [Path.Combine(repository, "run")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = repository,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        info.Environment["API_PORT"] = apiPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["DATANODE_PORT"] = nodePort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["DATANODES"] = dataNodes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["RUN_STATE"] = stateDirectory;
        info.Environment["BUILD_CONFIGURATION"] = configuration;
        var output = new StringBuilder();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = Process.Start(info)!;
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (line.StartsWith("ready: ", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        run.OutputDataReceived += (_, e) => OnLine(e.Data);
        run.ErrorDataReceived += (_, e) => OnLine(e.Data);
        run.BeginOutputReadLine();
        run.BeginErrorReadLine();
        var finished = await Task.WhenAny(ready.Task, run.WaitForExitAsync(), Task.Delay(timeout));
        if (finished != ready.Task)
        {
            await StopAsync(run);
            lock (output)
            {
                throw new InvalidOperationException($"./run did not get ready: {output}");
            }
        }

        var nodes = File.ReadAllLines(Path.Combine(stateDirectory, "nodes.tsv")).Skip(1)
            .Select(l => l.Split('\t'))
            .Select(f => new RunNode(f[0], int.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture), f[2], f[3], f[4], f[5]))
            .ToList();
        return new RunCluster(run, output, environment, repository, $"127.0.0.1:{apiPort}", nodes);
    }

    /// <summary>SIGKILL: the node gets no chance to say goodbye, as when a machine dies.</summary>
    public async Task KillAsync(RunNode node)
    {
        try
        {
            using var process = Process.GetProcessById(node.Pid);
            process.Kill();
            await process.WaitForExitAsync();
        }
        catch (ArgumentException)
        {
            // Already gone.
        }

        node.IsRunning = false;
    }

    /// <summary>Starts a killed node again as <c>./run</c> started it: same address, same storage root, same settings.</summary>
    public async Task RestartAsync(RunNode node)
    {
        var info = new ProcessStartInfo("dotnet", [node.Dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Where ./run starts its processes, so that they read the same local settings.
            WorkingDirectory = _repository,
        };
        foreach (var (key, value) in _environment)
        {
            info.Environment[key] = value;
        }

        // Servers ./run started itself (when it was not given them) are in its infra.env.
        var ownInfra = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(node.StorageRoot)!)!, "infra", "infra.env");
        if (File.Exists(ownInfra))
        {
            foreach (var line in File.ReadLines(ownInfra).Where(l => l.Contains('=') && !l.StartsWith('#')))
            {
                var (key, value) = (line[..line.IndexOf('=')], line[(line.IndexOf('=') + 1)..].Trim('\'', '"'));
                info.Environment[key] = value;
            }
        }

        info.Environment["LISTEN_ADDRESS"] = node.Address;
        info.Environment["STORAGE_ROOT"] = node.StorageRoot;
        var log = new StreamWriter(node.Log, append: true) { AutoFlush = true };
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        node.Restarted?.Dispose();
        node.Restarted = process;
        node.Pid = process.Id;
        node.IsRunning = true;
        var (host, port) = (node.Address[..node.Address.LastIndexOf(':')], int.Parse(node.Address[(node.Address.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
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

        throw new InvalidOperationException($"{node} did not listen again within 60 s");
    }

    /// <summary>Addresses <c>/nodes</c> lists as live now.</summary>
    public async Task<IReadOnlyList<string>> LiveNodesAsync()
    {
        using var document = System.Text.Json.JsonDocument.Parse(await Client.GetStringAsync("/nodes"));
        return document.RootElement.EnumerateArray().Select(n => n.GetProperty("address").GetString()!).ToList();
    }

    public async Task WaitForLiveNodesAsync(IEnumerable<RunNode> expected, TimeSpan timeout)
    {
        var want = expected.Select(n => n.Address).Order(StringComparer.Ordinal).ToList();
        var deadline = DateTime.UtcNow + timeout;
        IReadOnlyList<string> live = [];
        while (DateTime.UtcNow < deadline)
        {
            live = await LiveNodesAsync();
            if (live.Order(StringComparer.Ordinal).SequenceEqual(want))
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"live nodes [{string.Join(", ", live)}], expected [{string.Join(", ", want)}]");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Client.Dispose();
        foreach (var node in Nodes.Where(n => n.Restarted is { HasExited: false }))
        {
            node.Restarted!.Kill();
            await node.Restarted.WaitForExitAsync();
        }

        await StopAsync(_run);
    }

    /// <summary>SIGTERM, as Ctrl-C: ./run stops everything it started.</summary>
    private static async Task StopAsync(Process run)
    {
        if (!run.HasExited)
        {
            Process.Start("kill", ["-TERM", run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await run.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                run.Kill(entireProcessTree: true);
            }
        }

        run.Dispose();
    }

    /// <summary><paramref name="count"/> consecutive free loopback ports.</summary>
    public static int[] FreePorts(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var first = Random.Shared.Next(20_000, 60_000 - count);
            var ports = Enumerable.Range(first, count).ToArray();
            if (ports.All(IsFree))
            {
                return ports;
            }
        }

        throw new InvalidOperationException($"no {count} consecutive free ports found");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
