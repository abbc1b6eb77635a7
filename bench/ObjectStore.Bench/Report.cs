using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ObjectStore.Bench;

/// <summary>The table on stdout and the files in <c>bench/results/</c>: JSON (everything), CSV (one row per run), the table as text, a PNG plot.</summary>
internal sealed class Report(BenchOptions options, DateTimeOffset started)
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public List<RunResult> Runs { get; } = [];

    public List<ErasureResult> Erasure { get; } = [];

    public Profile? Profile { get; set; }

    public string? DegradedNote { get; set; }

    public string? WarmupNote { get; set; }

    /// <summary>What measured the small-object rows of ObjectStore and nginx (wrk), or null if the .NET client did.</summary>
    public string? SmallRowsClient { get; set; }

    /// <summary>What the etcd reference rows are.</summary>
    public string? EtcdNote { get; set; }

    private string Stamp => started.ToString("yyyyMMdd-HHmmss", Inv);

    public static string ProgressLine(RunResult r) =>
        $"{Label(r),-34} {r.Spec.System,-11} {r.Client,-4} {r.Ok,6}/{r.Total,-6} {Num(r.OpsPerSec),9} ops/s {Num(r.MBps),9} MB/s  p50 {Num(r.P50Ms)} ms  p99 {Num(r.P99Ms)} ms  {r.Seconds:F1} s"
        + (r.Failures.Count > 0 ? "  failures: " + Failures(r) : "");

    public void Finish(TextWriter stdout, TextWriter log)
    {
        var text = Table();
        stdout.Write(text);
        stdout.Flush();

        try
        {
            var directory = options.ResultsDirectory ?? DefaultResultsDirectory();
            Directory.CreateDirectory(directory);
            var basePath = Path.Combine(directory, Stamp);
            File.WriteAllText(basePath + ".txt", text);
            File.WriteAllText(basePath + ".json", Json().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            File.WriteAllText(basePath + ".csv", Csv());
            var written = new List<string> { basePath + ".txt", basePath + ".json", basePath + ".csv" };
            if (Runs.Count > 0)
            {
                File.WriteAllBytes(basePath + ".png", Plot());
                written.Add(basePath + ".png");
            }

            log.WriteLine($"[bench] results: {string.Join(", ", written)}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.WriteLine($"[bench] could not write results: {ex.Message}");
        }
    }

    private static string DefaultResultsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ObjectStore.sln")))
            {
                return Path.Combine(dir.FullName, "bench", "results");
            }
        }

        return Path.Combine(Directory.GetCurrentDirectory(), "bench-results");
    }

    private int DataNodes => options.DataNodes.Count > 0 ? options.DataNodes.Count : options.ExpectNodes;

    private string Header() =>
        $"ObjectStore benchmark — {started:yyyy-MM-dd HH:mm:ss} UTC — nproc {Environment.ProcessorCount} — mode {options.Mode}"
        + (DataNodes > 0 ? $" — {DataNodes} data nodes, 1 Api" : "")
        + $" — {CpuModel()} — .NET {Environment.Version}";

    // ------------------------------------------------------------------------------------------------ table
    public string Table()
    {
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine(Header());
        if (Runs.Count > 0)
        {
            string[] head = ["workload", "system", "client", "ok/total", "ops/s", "MB/s", "p50 ms", "p99 ms", "vs disk", "vs nginx", "vs azurite", "vs etcd", "failures", "CPU % (100 = one core)"];
            bool[] right = [false, false, false, true, true, true, true, true, true, true, true, true, false, false];
            var rows = new List<string[]>();
            string? previous = null;
            foreach (var r in Runs)
            {
                var label = Label(r);
                var ratios = BenchOptions.References.Select(reference => Ratio(r, reference)).ToArray();
                rows.Add(
                [
                    label == previous ? "" : label, r.Spec.System + (r.Spec.System == "etcd" ? " " + r.Spec.SizeLabel : ""), r.Client, $"{r.Ok}/{r.Total}",
                    Num(r.OpsPerSec), Num(r.MBps), Num(r.P50Ms), Num(r.P99Ms),
                    ratios[0], ratios[1], ratios[2], ratios[3], r.Failures.Count == 0 ? "" : Failures(r), CpuSummary(r),
                ]);
                previous = label;
            }

            var widths = head.Select((h, i) => Math.Max(h.Length, rows.Max(row => row[i].Length))).ToArray();
            string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => right[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd();
            sb.AppendLine(Line(head));
            sb.AppendLine(new string('-', widths.Sum() + 2 * (widths.Length - 1)));
            previous = null;
            foreach (var (row, r) in rows.Zip(Runs))
            {
                var label = Label(r);
                if (previous is not null && label != previous)
                {
                    if (Group(label) != Group(previous))
                    {
                        sb.AppendLine();
                    }
                }

                sb.AppendLine(Line(row));
                previous = label;
            }

            sb.AppendLine();
            sb.AppendLine("vs X = ObjectStore throughput / X's throughput in the same workload (same bytes, same client); 1.00x = as fast, 0.25x = 4 times slower.");
            if (SmallRowsClient is not null)
            {
                sb.AppendLine($"client wrk = {SmallRowsClient}: PUTs to distinct names with distinct bodies, GETs of what those PUTs stored; latency of every answered request;");
                sb.AppendLine("  after each wrk run a sample is read back through .NET and compared byte for byte (failures column: 'read-back ...'). client .NET = HttpClient, the Azure SDK or FileStream.");
                sb.AppendLine("  wrk rows run for their time bound only (whole seconds, at least 2 s); CPU 'client' includes wrk.");
            }

            if (EtcdNote is not null)
            {
                sb.AppendLine(EtcdNote + ".");
            }

            sb.AppendLine("disk = local files on the data nodes' filesystem: write + fsync + close, read back (no HTTP). nginx = WebDAV PUT (temp file + rename, no fsync), static GET (sendfile).");
            sb.AppendLine("azurite = Blob API through Azure.Storage.Blobs (upload/download BlobClient). MB/s = 10^6 bytes/s. p50/p99 = latency of successful ops.");
            sb.AppendLine("Every PUT row starts after a sync(2), so no system inherits dirty pages from the rows before it (a system that does not fsync is fastest with none).");
            sb.AppendLine("GETs read objects written moments before: they come from the page cache. CPU % per process during the run; 'machine' = all cores (max nproc x 100); 'other' = machine minus the processes listed (kernel threads, other users).");
            if (WarmupNote is not null)
            {
                sb.AppendLine("warm-up: " + WarmupNote + "; every system also gets a short untimed warm-up, and each run starts once the processes are quiet.");
            }

            if (Profile?.LargeNote is { } note)
            {
                sb.AppendLine(note + ".");
            }

            if (DegradedNote is not null)
            {
                sb.AppendLine("degraded: " + DegradedNote + ". GETs the store could not serve (e.g. 503: too few copies or shards left) are counted as failures above.");
            }
        }

        if (Runs.Count > 0)
        {
            sb.Append(Aims());
        }

        if (Erasure.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Erasure coding RS(4,2), 1 MiB shards, one thread (ErasureBenchmark.Measure, 1 s each; GB/s = 10^9 data bytes/s per core; decode rebuilds 2 lost data shards):");
            sb.AppendLine($"{"implementation",-16}{"encode GB/s",12}{"decode GB/s",13}");
            foreach (var e in Erasure)
            {
                sb.AppendLine(e.Unavailable is null
                    ? $"{e.Implementation,-16}{e.EncodeGBps,12:F2}{e.DecodeGBps,13:F2}"
                    : $"{e.Requested,-16}{"unavailable",12}   ({e.Unavailable})");
            }
        }

        sb.AppendLine();
        sb.AppendLine($"total time of the load generator: {(DateTimeOffset.UtcNow - started).TotalSeconds:F0} s");
        return sb.ToString();
    }

    private static string Group(string label) => label.Split(' ') is [var op, var size, ..] ? op + " " + size : label;

    public static string Label(RunResult r) => r.Spec.Phase is null ? r.Spec.Workload : $"{r.Spec.Workload} [{r.Spec.Phase}]";

    private string Ratio(RunResult r, string reference)
    {
        if (r.Spec.System != "objectstore")
        {
            return "";
        }

        var baseline = Baseline(r.Spec.Workload, reference);
        if (baseline is null && reference == "etcd")
        {
            return ""; // etcd is a reference for small PUTs only
        }

        return baseline is null || baseline.OpsPerSec <= 0 ? "-" : $"{r.OpsPerSec / baseline.OpsPerSec:F2}x";
    }

    private RunResult? Baseline(string workload, string system) =>
        Runs.FirstOrDefault(x => x.Spec.System == system && x.Spec.Phase is null && x.Spec.Workload == workload);

    /// <summary>
    /// The aims of issue 10, each computed from rows of this run: small PUTs against etcd's own put rate and latency,
    /// small GETs and 1 MiB PUTs against nginx. Large objects are in the table (aim: no slower than before).
    /// </summary>
    private string Aims()
    {
        var small = Profile?.Sizes.FirstOrDefault()?.Label;
        var medium = Profile?.Sizes.Skip(1).FirstOrDefault()?.Label;
        var lines = new List<string>();
        void Aim(string what, string value, bool? met, string aim) =>
            lines.Add($"  {what,-44} {value,12}   aim {aim,-14} {(met is null ? "" : met.Value ? "met" : "NOT MET")}");
        RunResult? Os(string workload) => Baseline(workload, "objectstore");

        if (small is not null && Os($"PUT {small} c=16") is { } put16)
        {
            Aim($"PUT {small} c=16, ops/s", Num(put16.OpsPerSec), put16.OpsPerSec >= 1000, ">= 1000");
            if (Baseline($"PUT {small} c=16", "etcd") is { OpsPerSec: > 0 } etcd16)
            {
                double ratio = put16.OpsPerSec / etcd16.OpsPerSec;
                Aim($"PUT {small} c=16 / etcd put c=16", $"{ratio:F2}x", ratio >= 0.8, ">= 0.80x");
            }
        }

        if (small is not null && Os($"PUT {small} c=1") is { } put1 && Baseline($"PUT {small} c=1", "etcd") is { } etcd1
            && !double.IsNaN(put1.P50Ms) && !double.IsNaN(etcd1.P50Ms))
        {
            double delta = put1.P50Ms - etcd1.P50Ms;
            Aim($"p50 PUT {small} c=1 - etcd put p50 c=1 (ms)", $"{delta:+0.00;-0.00}", delta <= 1.5, "<= +1.5 ms");
        }

        if (small is not null && Os($"GET {small} c=16") is { } get16 && Baseline($"GET {small} c=16", "nginx") is { OpsPerSec: > 0 } nginx16)
        {
            double ratio = get16.OpsPerSec / nginx16.OpsPerSec;
            Aim($"GET {small} c=16 / nginx", $"{ratio:F2}x", ratio >= 0.5, ">= 0.50x");
        }

        if (medium is not null)
        {
            foreach (var workload in Runs.Where(r => r.Spec.System == "objectstore" && r.Spec.Phase is null && r.Spec.Op == "PUT" && r.Spec.SizeLabel == medium)
                         .Select(r => r.Spec.Workload).Distinct())
            {
                if (Os(workload) is { } put && Baseline(workload, "nginx") is { OpsPerSec: > 0 } nginx)
                {
                    double ratio = put.OpsPerSec / nginx.OpsPerSec;
                    Aim($"{workload} / nginx", $"{ratio:F2}x", ratio >= 0.5, ">= 0.50x");
                }
            }
        }

        if (lines.Count == 0)
        {
            return "";
        }

        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine("Aims of issue 10 (ratios from this run's rows; large objects: the table, aim 'no slower than before'):");
        foreach (var line in lines)
        {
            sb.AppendLine(line.TrimEnd());
        }

        return sb.ToString();
    }

    private static string Failures(RunResult r) => string.Join(", ", r.Failures.Select(f => $"{f.Key} x{f.Value}"));

    /// <summary>The machine total, then the busiest processes (data nodes added up), in percent of one core.</summary>
    private static string CpuSummary(RunResult r)
    {
        var grouped = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, value) in r.Cpu)
        {
            if (name == CpuSampler.Machine)
            {
                continue;
            }

            var key = name.StartsWith("node", StringComparison.Ordinal) ? "nodes" : name;
            grouped[key] = grouped.GetValueOrDefault(key) + value;
        }

        var top = grouped.Where(kv => kv.Value >= 1).OrderByDescending(kv => kv.Value).Take(4).Select(kv => $"{kv.Key} {kv.Value:F0}").ToList();
        if (!r.Cpu.TryGetValue(CpuSampler.Machine, out var m))
        {
            return string.Join(", ", top);
        }

        // What the machine spent outside the processes we know: other users' work, the kernel's writeback, ...
        double other = m - grouped.Values.Sum();
        if (other >= 5)
        {
            top.Add($"other {other:F0}");
        }

        return $"machine {m:F0}: " + string.Join(", ", top);
    }

    public static string Num(double v) => double.IsNaN(v) ? "-" : v switch
    {
        >= 100 => v.ToString("F0", Inv),
        >= 10 => v.ToString("F1", Inv),
        _ => v.ToString("F2", Inv),
    };

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    // ------------------------------------------------------------------------------------------------ files
    private static JsonNode? N(double v) => double.IsNaN(v) || double.IsInfinity(v) ? null : JsonValue.Create(Math.Round(v, 4));

    private JsonObject Json()
    {
        var runs = new JsonArray();
        foreach (var r in Runs)
        {
            var cpu = new JsonObject();
            foreach (var (name, value) in r.Cpu.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                cpu[name] = N(value);
            }

            var failures = new JsonObject();
            foreach (var (reason, count) in r.Failures)
            {
                failures[reason] = count;
            }

            var vs = new JsonObject();
            if (r.Spec.System == "objectstore")
            {
                foreach (var reference in BenchOptions.References)
                {
                    var baseline = Baseline(r.Spec.Workload, reference);
                    vs[reference] = baseline is null || baseline.OpsPerSec <= 0 ? null : N(r.OpsPerSec / baseline.OpsPerSec);
                }
            }

            runs.Add(new JsonObject
            {
                ["workload"] = r.Spec.Workload,
                ["phase"] = r.Spec.Phase,
                ["system"] = r.Spec.System,
                ["client"] = r.Client,
                ["note"] = r.Note,
                ["op"] = r.Spec.Op,
                ["sizeBytes"] = r.Spec.SizeBytes,
                ["sizeLabel"] = r.Spec.SizeLabel,
                ["concurrency"] = r.Spec.Concurrency,
                ["maxOps"] = r.Spec.MaxOps,
                ["maxSeconds"] = r.Spec.MaxTime.TotalSeconds,
                ["ok"] = r.Ok,
                ["total"] = r.Total,
                ["failures"] = failures,
                ["firstError"] = r.FirstError,
                ["seconds"] = N(r.Seconds),
                ["opsPerSec"] = N(r.OpsPerSec),
                ["mbPerSec"] = N(r.MBps),
                ["p50Ms"] = N(r.P50Ms),
                ["p99Ms"] = N(r.P99Ms),
                ["meanMs"] = N(r.MeanMs),
                ["maxMs"] = N(r.MaxMs),
                ["cpuPercentOfOneCore"] = cpu,
                ["vs"] = vs,
            });
        }

        var erasure = new JsonArray();
        foreach (var e in Erasure)
        {
            erasure.Add(new JsonObject
            {
                ["requested"] = e.Requested,
                ["implementation"] = e.Implementation,
                ["encodeGBps"] = N(e.EncodeGBps),
                ["decodeGBps"] = N(e.DecodeGBps),
                ["unavailable"] = e.Unavailable,
            });
        }

        return new JsonObject
        {
            ["date"] = started.ToString("O", Inv),
            ["nproc"] = Environment.ProcessorCount,
            ["cpu"] = CpuModel(),
            ["mode"] = options.Mode,
            ["dataNodes"] = DataNodes,
            ["dotnet"] = Environment.Version.ToString(),
            ["largeNote"] = Profile?.LargeNote,
            ["degradedNote"] = DegradedNote,
            ["warmupNote"] = WarmupNote,
            ["smallRowsClient"] = SmallRowsClient,
            ["etcdNote"] = EtcdNote,
            ["units"] = "MB/s = 1e6 bytes/s; latencies in ms; cpu in percent of one core; vs = objectstore ops/s divided by the reference's",
            ["runs"] = runs,
            ["erasure"] = new JsonObject { ["code"] = "RS(4,2)", ["shardBytes"] = 1 << 20, ["threads"] = 1, ["results"] = erasure },
        };
    }

    private string Csv()
    {
        var sb = new StringBuilder();
        sb.AppendLine("workload,phase,system,client,op,size_bytes,concurrency,ok,total,seconds,ops_per_s,mb_per_s,p50_ms,p99_ms,mean_ms,vs_disk,vs_nginx,vs_azurite,vs_etcd,failures,cpu");
        foreach (var r in Runs)
        {
            var ratios = BenchOptions.References.Select(reference => Ratio(r, reference).TrimEnd('x').Replace("-", "", StringComparison.Ordinal));
            string F(double v) => double.IsNaN(v) ? "" : v.ToString("G6", Inv);
            var cpu = string.Join(" ", r.Cpu.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value:F0}"));
            sb.AppendLine(string.Join(",",
                r.Spec.Workload, r.Spec.Phase ?? "", r.Spec.System, r.Client, r.Spec.Op, r.Spec.SizeBytes.ToString(Inv), r.Spec.Concurrency.ToString(Inv),
                r.Ok.ToString(Inv), r.Total.ToString(Inv), F(r.Seconds), F(r.OpsPerSec), F(r.MBps), F(r.P50Ms), F(r.P99Ms), F(r.MeanMs),
                string.Join(",", ratios), $"\"{Failures(r)}\"", $"\"{cpu}\""));
        }

        return sb.ToString();
    }

    /// <summary>Throughput (MB/s, log scale) by object size at concurrency 1, PUT and GET side by side, one line per system.</summary>
    private byte[] Plot()
    {
        var sizes = Runs.Where(r => r.Spec.Op is "PUT" or "GET" && r.Spec.Phase is null && r.Spec.Concurrency == 1 && r.Spec.System != "etcd")
            .Select(r => (r.Spec.SizeBytes, r.Spec.SizeLabel)).Distinct().OrderBy(s => s.SizeBytes).ToList();
        var series = new List<ChartSeries>();
        foreach (var op in new[] { "PUT", "GET" })
        {
            foreach (var system in BenchOptions.AllSystems)
            {
                var points = sizes.Select(s => Runs.FirstOrDefault(r => r.Spec.Op == op && r.Spec.System == system && r.Spec.Phase is null
                                                                          && r.Spec.Concurrency == 1 && r.Spec.SizeBytes == s.SizeBytes)?.MBps ?? double.NaN)
                    .ToArray();
                if (points.Any(p => p > 0))
                {
                    series.Add(new ChartSeries(op, system, points));
                }
            }
        }

        var subtitle = $"{started:yyyy-MM-dd HH:mm} UTC, nproc {Environment.ProcessorCount}, {options.Mode}"
                       + (SmallRowsClient is null ? "" : $"; up to {Payload.SizeLabel(BenchOptions.WrkMaxSize)} by wrk");
        return ThroughputChart.Render(subtitle, ["PUT", "GET"], sizes.Select(s => s.SizeLabel.Replace("(quick)", "", StringComparison.Ordinal)).ToArray(), series);
    }
}
