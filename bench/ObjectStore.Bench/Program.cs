using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ObjectStore.Bench;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException)
{
    Console.Error.WriteLine($"[bench] {ex.Message}");
    return 2;
}

// Disk reference ops and fsyncs block pool threads; do not let thread injection (about one per second) skew them.
ThreadPool.SetMinThreads(64, 64);

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var started = DateTimeOffset.UtcNow;
var report = new Report(options, started);
var log = Console.Error;

if (!options.SkipErasure)
{
    log.WriteLine("[bench] erasure coding: RS(4,2), 1 MiB shards, one thread per implementation");
    report.Erasure.AddRange(ErasureSection.Run(log));
}

if (options.ErasureOnly)
{
    report.Finish(Console.Out, log);
    return 0;
}

// One client for every system: pooled keep-alive connections, no proxy (the environment may set http_proxy).
using var http = new HttpClient(new SocketsHttpHandler
{
    UseProxy = false,
    AutomaticDecompression = DecompressionMethods.None,
    MaxConnectionsPerServer = int.MaxValue,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    ConnectTimeout = TimeSpan.FromSeconds(5),
})
{
    Timeout = Timeout.InfiniteTimeSpan,
};

var targets = new List<ITarget>();
AzuriteTarget? azurite = null;
foreach (var system in BenchOptions.AllSystems.Where(options.Systems.Contains))
{
    switch (system)
    {
        case "objectstore" when options.ObjectStore is not null:
            targets.Add(new ObjectStoreTarget(http, options.ObjectStore));
            break;
        case "disk":
            targets.Add(new DiskTarget(options.DiskDirectory ?? Path.Combine(options.WorkDirectory, "disk")));
            break;
        case "nginx" when options.Nginx is not null:
            targets.Add(new NginxTarget(http, options.Nginx));
            break;
        case "azurite" when !string.IsNullOrEmpty(options.Azurite):
            azurite = new AzuriteTarget(http, options.Azurite, $"bench-{started:yyyyMMddHHmmss}-{Environment.ProcessId}");
            targets.Add(azurite);
            break;
        case "etcd" when options.Etcd.Count > 0:
            break; // a reference row of its own (put only), below
        default:
            log.WriteLine($"[bench] skipping {system}: no endpoint given");
            break;
    }
}

// Value size of the etcd reference puts: about what one object's metadata record is.
const int EtcdValueBytes = 200;

// wrk for the small rows: the .NET client tops out far below what nginx (and soon ObjectStore) serves.
WrkClient? wrk = null;
if (!options.NoWrk)
{
    try
    {
        wrk = WrkClient.Find(options.WrkPath);
    }
    catch (FileNotFoundException ex)
    {
        log.WriteLine($"[bench] {ex.Message}");
        return 2;
    }

    if (wrk is null && targets.Any(t => t is IWrkTarget))
    {
        log.WriteLine("[bench] wrk is not installed (apt-get install wrk); it measures the small-object rows. Pass --no-wrk to use the .NET client (it is the limit there).");
        return 2;
    }
}

var cpu = new CpuSampler(options.Watch);
var wrkRuns = wrk is null ? null : new WrkRuns(wrk, http, cpu, options.WorkDirectory, log) { VerifyEveryBody = options.WrkVerify };
report.SmallRowsClient = wrk is null ? null : $"{wrk.Executable} (one connection per thread{(options.WrkVerify ? ", every GET body compared" : "")})";
EtcdReference? etcd = null;
// Keys of the etcd reference rows: "bench/" + a run tag, in base64 (objects.lua adds thread and counter digits).
string etcdPrefix = "YmVuY2gv" + Convert.ToHexString(BitConverter.GetBytes(Random.Shared.NextInt64()))[..8];
int exitCode = 0;
try
{
    if (wrk is not null && options.Systems.Contains("etcd") && options.Etcd.Count > 0)
    {
        etcd = await EtcdReference.FindLeaderAsync(http, options.Etcd, stop.Token);
        log.WriteLine($"[bench] etcd reference: {etcd.Description}");
        report.EtcdNote = $"etcd = puts of {EtcdValueBytes}-byte values to distinct keys, POST /v3/kv/put on the JSON gateway of the {etcd.Description} (what one metadata write costs; not 4 KiB of data)";
    }

    if (options.ObjectStore is not null && options.ExpectNodes > 0)
    {
        var live = await WaitForNodesAsync(http, options.ObjectStore, nodes => nodes.Count >= options.ExpectNodes, TimeSpan.FromSeconds(60), stop.Token);
        log.WriteLine($"[bench] /nodes lists {live.Count} data node(s)");
    }

    if (azurite is not null)
    {
        await azurite.CreateAsync(stop.Token);
    }

    var profile = Profile.For(options);
    report.Profile = profile;
    log.WriteLine($"[bench] mode {options.Mode}: sizes {string.Join(", ", profile.Sizes.Select(s => Payload.SizeLabel(s.Size)))}; systems {string.Join(", ", targets.Select(t => t.Name))}");
    // Before each run: let the previous run's leftovers (background JIT, GC, page-cache writeback) die down.
    const double SettleThreshold = 15;
    var settleMax = TimeSpan.FromSeconds(options.Quick ? 1 : 3);

    var payloads = profile.Sizes.ToDictionary(s => s.Size, s => Payload.Create(s.Size, options.WorkDirectory));

    // Objects each system stored, per size: (key, workload, op) so GETs can check the stamp they read back.
    var stored = new Dictionary<(string System, long Size), List<(string Key, long Workload, long Op)>>();
    long workloadId = 0;

    async Task<RunResult> PutRunAsync(ITarget target, RunSpec spec, long wid, bool settle = true)
    {
        if (settle)
        {
            await cpu.SettleAsync(settleMax, SettleThreshold, stop.Token);
        }

        var payload = payloads[spec.SizeBytes];
        var list = new List<(string, long, long)>();
        var result = await Runner.RunAsync(spec, payload, cpu, profile.OpTimeout(spec.SizeBytes), async (ctx, i, ct) =>
        {
            var key = $"b-{wid}-{i}";
            Body body;
            if (ctx.Body is { } bytes)
            {
                Payload.Stamp(bytes, wid, i);
                body = new Body(bytes.Length, bytes, null);
            }
            else
            {
                body = new Body(payload.Size, default, () => payload.OpenStamped(wid, i));
            }

            await target.PutAsync(key, body, ct).ConfigureAwait(false);
            lock (list)
            {
                list.Add((key, wid, i));
            }
        }, stop.Token);
        if (!stored.TryGetValue((target.Name, spec.SizeBytes), out var all))
        {
            stored[(target.Name, spec.SizeBytes)] = all = [];
        }

        all.AddRange(list.OrderBy(k => k.Item3));
        return result;
    }

    async Task<RunResult?> GetRunAsync(ITarget target, RunSpec spec, bool settle = true)
    {
        if (!stored.TryGetValue((target.Name, spec.SizeBytes), out var keys) || keys.Count == 0)
        {
            if (spec.Workload != "warm-up")
            {
                log.WriteLine($"[bench] {spec.Workload} {target.Name}: nothing stored to read (every PUT failed); skipped");
            }

            return null;
        }

        var objects = keys.ToArray();
        if (settle)
        {
            await cpu.SettleAsync(settleMax, SettleThreshold, stop.Token);
        }

        return await Runner.RunAsync(spec, null, cpu, profile.OpTimeout(spec.SizeBytes), async (ctx, i, ct) =>
        {
            var (key, wid, op) = objects[i % objects.Length];
            long length = await target.GetAsync(key, ctx.ReadBuffer, ctx.Head, ct).ConfigureAwait(false);
            if (length != spec.SizeBytes)
            {
                throw new OpFailedException($"short body ({length} of {spec.SizeBytes} bytes)");
            }

            if (!Payload.HasStamp(ctx.Head, wid, op))
            {
                throw new OpFailedException("wrong bytes");
            }
        }, stop.Token);
    }

    async Task<RunResult> MissingRunAsync(ITarget target, RunSpec spec)
    {
        await cpu.SettleAsync(settleMax, SettleThreshold, stop.Token);
        return await Runner.RunAsync(spec, null, cpu, profile.OpTimeout(0), (ctx, i, ct) => target.GetMissingAsync($"missing-{i}", ct), stop.Token);
    }

    void Record(RunResult? result)
    {
        if (result is null)
        {
            return;
        }

        report.Runs.Add(result);
        log.WriteLine($"[bench] {Report.ProgressLine(result)}");
        if (result.Note is not null)
        {
            log.WriteLine($"[bench]     {result.Note}");
        }

        if (result.FirstError is not null)
        {
            log.WriteLine($"[bench]     first failure: {result.FirstError}");
        }
    }

    // Warm-up (not recorded): JIT, connection pools, the first blob container write, in every system.
    log.WriteLine("[bench] warm-up");
    foreach (var target in targets)
    {
        var large = profile.Sizes[^1];
        foreach (var (size, ops, concurrency, time) in new[]
                 {
                     (profile.Sizes[0].Size, profile.WarmupSmallOps, 4, profile.WarmupTime),
                     (profile.Sizes[1].Size, profile.WarmupMediumOps, 4, profile.WarmupTime),
                     (large.Size, profile.WarmupLargeOps, 1, large.Bound(1).Time),
                 })
        {
            var warmPut = new RunSpec("warm-up", "PUT", size, Payload.SizeLabel(size), concurrency, ops, time, target.Name);
            await PutRunAsync(target, warmPut, ++workloadId, settle: false);
            var warmGet = warmPut with { Op = "GET" };
            await GetRunAsync(target, warmGet, settle: false);
        }

        await MissingRunAsync(target, new RunSpec("warm-up", "GET-missing", 0, "-", 1, 20, profile.WarmupTime, target.Name));
        stored.Clear();
    }

    // The apps JIT-compile for a long while after start (tiered compilation with dynamic PGO re-compiles every hot
    // method twice); on 2 busy cores that takes tens of seconds and would be billed to the first runs. Keep a steady
    // mixed load on ObjectStore for a while, and show how its cost per op falls.
    var warmObjectStore = targets.FirstOrDefault(t => t.Name == "objectstore");
    var sustained = options.WarmupSeconds is { } w ? TimeSpan.FromSeconds(w) : profile.ObjectStoreWarmup;
    if (warmObjectStore is not null && sustained > TimeSpan.Zero)
    {
        var sw = Stopwatch.StartNew();
        for (int round = 1; sw.Elapsed < sustained && !stop.IsCancellationRequested; round++)
        {
            var rounds = new List<RunResult>();
            foreach (var size in profile.Sizes.Take(2))
            {
                var spec = new RunSpec("warm-up", "PUT", size.Size, size.Label, 4, 100_000, TimeSpan.FromSeconds(0.5), warmObjectStore.Name);
                rounds.Add(await PutRunAsync(warmObjectStore, spec, ++workloadId, settle: false));
                if (await GetRunAsync(warmObjectStore, spec with { Op = "GET" }, settle: false) is { } get)
                {
                    rounds.Add(get);
                }
            }

            stored.Clear();
            log.WriteLine($"[bench] warm-up round {round} ({sw.Elapsed.TotalSeconds:F0} s): " + string.Join(", ", rounds.Select(r =>
                $"{r.Spec.Op} {r.Spec.SizeLabel} {r.OpsPerSec:F0}/s (apps {AppCpuMsPerOp(r):F1} ms CPU/op)")));
        }

        report.WarmupNote = $"{sustained.TotalSeconds:F0} s of steady PUT/GET load on ObjectStore before measuring (--warmup S)";
    }

    var settled = await cpu.SettleAsync(TimeSpan.FromSeconds(10), SettleThreshold, stop.Token);
    log.WriteLine($"[bench] warm-up done; processes quiet after {settled.TotalSeconds:F1} s");

    // The measured runs. Per workload every system runs back to back, so drift (page cache, other load) hits all alike.
    foreach (var size in profile.Sizes)
    {
        bool small = wrkRuns is not null && size.Size <= BenchOptions.WrkMaxSize;
        foreach (var c in size.Concurrency)
        {
            var bound = size.Bound(c);
            var label = size.Label;
            long wid = ++workloadId;
            var wrkNames = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var target in targets)
            {
                stop.Token.ThrowIfCancellationRequested();
                var spec = new RunSpec($"PUT {label} c={c}", "PUT", size.Size, label, c, bound.Ops, bound.Time, target.Name);
                PageCache.Flush();
                if (small && target is IWrkTarget web)
                {
                    await cpu.SettleAsync(settleMax, SettleThreshold, stop.Token);
                    var (result, names) = await wrkRuns!.PutAsync(web, spec, $"w{wid}-", stop.Token);
                    wrkNames[target.Name] = names;
                    Record(result);
                }
                else
                {
                    Record(await PutRunAsync(target, spec, wid));
                }
            }

            if (small && etcd is not null && size == profile.Sizes[0])
            {
                PageCache.Flush();
                await cpu.SettleAsync(settleMax, SettleThreshold, stop.Token);
                var spec = new RunSpec($"PUT {label} c={c}", "PUT", EtcdValueBytes, Payload.SizeLabel(EtcdValueBytes), c, bound.Ops, bound.Time, "etcd");
                Record(await wrkRuns!.EtcdPutAsync(etcd, spec, $"{etcdPrefix}w{wid % 1000:D3}", stop.Token));
            }

            foreach (var target in targets)
            {
                stop.Token.ThrowIfCancellationRequested();
                var spec = new RunSpec($"GET {label} c={c}", "GET", size.Size, label, c, bound.Ops, bound.Time, target.Name);
                if (small && target is IWrkTarget web)
                {
                    if (!wrkNames.TryGetValue(target.Name, out var names) || names.Count == 0)
                    {
                        log.WriteLine($"[bench] {spec.Workload} {target.Name}: nothing stored to read (every PUT failed); skipped");
                        continue;
                    }

                    await cpu.SettleAsync(settleMax, SettleThreshold, stop.Token);
                    Record(await wrkRuns!.GetAsync(web, spec, names, stop.Token));
                }
                else
                {
                    Record(await GetRunAsync(target, spec));
                }
            }
        }
    }

    foreach (var target in targets)
    {
        stop.Token.ThrowIfCancellationRequested();
        Record(await MissingRunAsync(target, new RunSpec("GET missing c=1", "GET-missing", 0, "-", 1, profile.Missing.Ops, profile.Missing.Time, target.Name)));
    }

    // "Degraded GET with nodes down": SIGKILL 2 data nodes, wait until the Api stops listing them, GET again.
    if (options.Degraded)
    {
        var objectStore = targets.FirstOrDefault(t => t.Name == "objectstore");
        if (objectStore is null || options.ObjectStore is null)
        {
            log.WriteLine("[bench] --degraded needs the objectstore system; skipped");
        }
        else if (options.DataNodes.Count < 3)
        {
            log.WriteLine($"[bench] --degraded kills 2 data nodes and needs at least 3 (./bench --nodes N); have {options.DataNodes.Count}; skipped");
        }
        else
        {
            var victims = options.DataNodes.Take(2).ToList();
            foreach (var victim in victims)
            {
                KillDataNode(victim, log);
            }

            var sw = Stopwatch.StartNew();
            var gone = victims.Select(v => v.Address).ToHashSet(StringComparer.Ordinal);
            var live = await WaitForNodesAsync(http, options.ObjectStore, nodes => !nodes.Any(gone.Contains), TimeSpan.FromSeconds(90), stop.Token);
            log.WriteLine($"[bench] degraded: /nodes dropped the killed nodes after {sw.Elapsed.TotalSeconds:F1} s; live: {string.Join(", ", live)}");
            report.DegradedNote = $"{victims.Count} of {options.DataNodes.Count} data nodes SIGKILLed ({string.Join(", ", victims.Select(v => v.Address))}); /nodes dropped them after {sw.Elapsed.TotalSeconds:F1} s";
            string phase = $"degraded {victims.Count}/{options.DataNodes.Count} down";
            foreach (var size in profile.Sizes.Skip(1))
            {
                foreach (var c in size.Concurrency)
                {
                    var bound = size.Bound(c);
                    Record(await GetRunAsync(objectStore, new RunSpec($"GET {size.Label} c={c}", "GET", size.Size, size.Label, c, bound.Ops, bound.Time, objectStore.Name, phase)));
                }
            }
        }
    }
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    log.WriteLine("[bench] interrupted; reporting what was measured");
    exitCode = 130;
}
catch (Exception ex)
{
    log.WriteLine($"[bench] FAILED: {ex}");
    exitCode = 1;
}
finally
{
    if (etcd is not null)
    {
        try
        {
            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await etcd.DeleteAsync(etcdPrefix, cleanup.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or OperationCanceledException or System.Text.Json.JsonException)
        {
            log.WriteLine($"[bench] could not delete the etcd keys of this run: {ex.Message}");
        }
    }

    if (azurite is not null)
    {
        try
        {
            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await azurite.DeleteAsync(cleanup.Token);
        }
        catch (Exception ex)
        {
            log.WriteLine($"[bench] could not delete Azurite container {azurite.ContainerName}: {ex.Message}");
        }
    }
}

report.Finish(Console.Out, log);
return exitCode;

static async Task<IReadOnlyList<string>> WaitForNodesAsync(HttpClient http, Uri api, Func<IReadOnlyList<string>, bool> done, TimeSpan timeout, CancellationToken cancellationToken)
{
    var deadline = Stopwatch.StartNew();
    IReadOnlyList<string> live = [];
    string? last = null;
    while (deadline.Elapsed < timeout)
    {
        try
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(TimeSpan.FromSeconds(5));
            var json = await http.GetStringAsync(new Uri(api, "nodes"), attempt.Token);
            using var document = JsonDocument.Parse(json);
            live = document.RootElement.EnumerateArray()
                .Select(n => n.TryGetProperty("address", out var a) ? a.GetString() ?? "" : n.ToString())
                .ToList();
            if (done(live))
            {
                return live;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidOperationException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            last = ex.Message;
        }

        cancellationToken.ThrowIfCancellationRequested();
        await Task.Delay(250, cancellationToken);
    }

    throw new TimeoutException($"GET /nodes did not reach the expected state within {timeout.TotalSeconds:F0} s; lists [{string.Join(", ", live)}]{(last is null ? "" : $"; last error: {last}")}");
}

// CPU the Api and data nodes spent per successful op, in ms.
static double AppCpuMsPerOp(RunResult r) =>
    r.Ok == 0 ? double.NaN : r.Cpu.Where(kv => kv.Key == "api" || kv.Key.StartsWith("node", StringComparison.Ordinal)).Sum(kv => kv.Value) * r.Seconds * 10 / r.Ok;

static void KillDataNode(DataNodeProcess node, TextWriter log)
{
    // Only a process that is what we were told it is: a DataNode (PIDs can be reused).
    string cmdline;
    try
    {
        cmdline = File.ReadAllText($"/proc/{node.Pid}/cmdline").Replace('\0', ' ');
    }
    catch (IOException)
    {
        log.WriteLine($"[bench] data node pid {node.Pid} ({node.Address}) is already gone");
        return;
    }

    if (!cmdline.Contains("ObjectStore.DataNode", StringComparison.Ordinal))
    {
        throw new InvalidOperationException($"pid {node.Pid} is not a data node ({cmdline.Trim()}); not killing it");
    }

    using var process = Process.GetProcessById(node.Pid);
    process.Kill(); // SIGKILL: no goodbye, as when a machine dies
    process.WaitForExit(10_000);
    log.WriteLine($"[bench] degraded: SIGKILLed data node pid {node.Pid} ({node.Address})");
}
