using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace ObjectStore.IntegrationTests.Infrastructure;

/// <summary>DataNode <see cref="Number"/> of a <c>./run</c>: its pid is in <c>pids/node&lt;N&gt;.pid</c> under the run's state directory.</summary>
public sealed class RunNode(int number, string address, string stateDirectory)
{
    public int Number { get; } = number;

    public string Name => $"node{Number}";

    public string Address { get; } = address;

    public string StorageRoot => Path.Combine(stateDirectory, "data", Name);

    public string Log => Path.Combine(stateDirectory, "logs", $"{Name}.log");

    /// <summary>The process ./run (or <c>scripts/node start</c>) recorded for this node last.</summary>
    public int Pid => int.Parse(File.ReadAllText(Path.Combine(stateDirectory, "pids", $"{Name}.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    public bool IsRunning { get; internal set; } = true;

    public override string ToString() => $"DataNode {Number} ({Address})";
}

/// <summary>
/// The whole system as a user starts it: <c>./run</c> as a real process with its own state directory and ports; its
/// data nodes SIGKILLed by the pids ./run records, and started again with <c>scripts/node start</c>, as a user would. Shared by the integration
/// tests and the soak command (bench/ObjectStore.Soak links this file).
/// </summary>
public sealed class RunCluster : IAsyncDisposable
{
    private readonly Process _run;
    private readonly StringBuilder _output;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _repository;
    private readonly string _state;
    private int _disposed;

    private RunCluster(Process run, StringBuilder output, IReadOnlyDictionary<string, string> environment, string repository, string state, string apiAddress, IReadOnlyList<RunNode> nodes)
    {
        _run = run;
        _repository = repository;
        _state = state;
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
        var apiPort = LoopbackPorts.Take();
        var nodePort = LoopbackPorts.Take(dataNodes);
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
        info.Environment["RUN_STATE_DIR"] = stateDirectory;
        info.Environment["RUN_CONFIGURATION"] = configuration;
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

        var nodes = Enumerable.Range(1, dataNodes).Select(i => new RunNode(i, $"127.0.0.1:{nodePort + i - 1}", stateDirectory)).ToList();
        return new RunCluster(run, output, environment, repository, stateDirectory, $"127.0.0.1:{apiPort}", nodes);
    }

    /// <summary>SIGKILL: the node gets no chance to say goodbye, as when a machine dies (<c>scripts/node kill N</c>).</summary>
    public async Task KillAsync(RunNode node)
    {
        var (code, text) = await NodeScriptAsync("kill", node);
        if (code != 0)
        {
            throw new InvalidOperationException($"scripts/node kill {node.Number} failed ({code}): {text}");
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (IsProcess(node.Pid) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        node.IsRunning = false;
    }

    /// <summary>Starts a killed node again as a user would, <c>scripts/node start N</c>: same address, storage root and settings.</summary>
    public async Task RestartAsync(RunNode node)
    {
        var (code, text) = await NodeScriptAsync("start", node);
        if (code != 0 && !IsProcess(node.Pid))
        {
            throw new InvalidOperationException($"scripts/node start {node.Number} failed ({code}): {text}");
        }

        // scripts/node waits 30 s for the port; a loaded machine may take longer to start .NET.
        var (host, port) = (node.Address[..node.Address.LastIndexOf(':')], int.Parse(node.Address[(node.Address.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline && IsProcess(node.Pid))
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(host, port);
                node.IsRunning = true;
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new InvalidOperationException($"{node} did not listen again within 90 s: {text}");
    }

    private async Task<(int Code, string Output)> NodeScriptAsync(string command, RunNode node)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(_repository, "scripts", "node"), command, node.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _repository,
        };
        foreach (var (key, value) in _environment)
        {
            info.Environment[key] = value;
        }

        info.Environment["RUN_STATE_DIR"] = _state;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = (await stdout) + (await stderr);
        lock (_output)
        {
            _output.AppendLine($"[scripts/node {command} {node.Number}] {text.TrimEnd()}");
        }

        return (process.ExitCode, text);
    }

    private static bool IsProcess(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

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
        // ./run stops every node it recorded, restarted ones included.
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
}
