namespace ObjectStore.Bench;

/// <summary>A data node the harness started: its PID (to kill it for <c>--degraded</c>) and its address as <c>/nodes</c> lists it.</summary>
internal sealed record DataNodeProcess(int Pid, string Address);

/// <summary>A process whose CPU time is sampled around every run; <see cref="WithChildren"/> adds its descendants (nginx workers, beam's helpers).</summary>
internal sealed record WatchedProcess(string Name, int Pid, bool WithChildren);

/// <summary>Command line of the load generator. <c>./bench</c> fills in the endpoints; anything else is the user's.</summary>
internal sealed class BenchOptions
{
    public bool Quick { get; private set; }

    /// <summary>Only the erasure-coding section (no cluster needed).</summary>
    public bool ErasureOnly { get; private set; }

    public bool SkipErasure { get; private set; }

    public bool Degraded { get; private set; }

    public Uri? ObjectStore { get; private set; }

    public Uri? Nginx { get; private set; }

    public string? Azurite { get; private set; }

    /// <summary>etcd client URLs (the cluster's members): the reference row "etcd put".</summary>
    public List<Uri> Etcd { get; } = [];

    /// <summary>wrk's path (default: from PATH).</summary>
    public string? WrkPath { get; private set; }

    /// <summary>Measure the small rows with the .NET client instead of wrk (it flatters every ratio: the client is the limit).</summary>
    public bool NoWrk { get; private set; }

    /// <summary>Compare every GET body inside wrk (slower client) instead of status and byte count.</summary>
    public bool WrkVerify { get; private set; }

    public string? DiskDirectory { get; private set; }

    public string WorkDirectory { get; private set; } = Path.Combine(Path.GetTempPath(), "objectstore-bench");

    public string? ResultsDirectory { get; private set; }

    public int ExpectNodes { get; private set; }

    public List<DataNodeProcess> DataNodes { get; } = [];

    public List<WatchedProcess> Watch { get; } = [];

    /// <summary>Systems to measure; all four by default.</summary>
    public HashSet<string> Systems { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Multiplies every run's time and op bound (e.g. 0.5 for a faster smoke run).</summary>
    public double Scale { get; private set; } = 1.0;

    /// <summary>Seconds of sustained load on ObjectStore before measuring; default per mode.</summary>
    public double? WarmupSeconds { get; private set; }

    public string Mode => ErasureOnly ? "erasure only" : Quick ? "quick" : "full";

    public const string Usage = """
        ObjectStore.Bench — load generator behind ./bench (normally started by ./bench, which fills in the endpoints)

          --quick                   short runs; the large object is 64 MiB instead of 256 MiB
          --erasure                 only the erasure-coding section (RS(4,2) encode/decode GB/s per core)
          --no-erasure              skip the erasure-coding section
          --degraded                after the healthy runs, SIGKILL 2 data nodes and repeat GET 1 MiB / large
          --systems a,b,..          subset of objectstore,disk,nginx,azurite,etcd
          --scale X                 multiply every run's op and time bound by X (default 1)
          --warmup S                seconds of steady load on ObjectStore before measuring (quick 10, full 45)
          --objectstore URL         Api base URL           --expect-nodes N   wait until /nodes lists N nodes
          --nginx URL               nginx base URL (WebDAV PUT + static GET)
          --azurite CONNSTR         Azure Storage connection string (Azurite)
          --etcd URL[,URL..]        etcd members: reference row "etcd put" (wrk on the leader's JSON gateway)
          --wrk PATH                wrk to use for the small-object rows (default: wrk from PATH; Debian package wrk)
          --no-wrk                  small-object rows with the .NET client too (it is the limit: flatters ratios)
          --wrk-verify              wrk compares every GET body with what was PUT (slower client)
          --disk-dir DIR            folder for the disk reference (same filesystem as the data nodes)
          --work-dir DIR            scratch (the large source file is written here once)
          --results-dir DIR         where <timestamp>.json/.csv/.png/.txt go (default: bench/results)
          --datanode PID=HOST:PORT  a data node started by the harness (repeat)
          --watch NAME=PID[+]       sample this process's CPU (+ = with its descendants) (repeat)
        """;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value");
            switch (a)
            {
                case "--quick": o.Quick = true; break;
                case "--full": o.Quick = false; break;
                case "--erasure": o.ErasureOnly = true; break;
                case "--no-erasure": o.SkipErasure = true; break;
                case "--degraded": o.Degraded = true; break;
                case "--objectstore": o.ObjectStore = BaseUri(Value()); break;
                case "--nginx": o.Nginx = BaseUri(Value()); break;
                case "--azurite": o.Azurite = Value(); break;
                case "--etcd":
                    foreach (var url in Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        o.Etcd.Add(BaseUri(url));
                    }

                    break;
                case "--wrk": o.WrkPath = Value(); break;
                case "--no-wrk": o.NoWrk = true; break;
                case "--wrk-verify": o.WrkVerify = true; break;
                case "--disk-dir": o.DiskDirectory = Value(); break;
                case "--work-dir": o.WorkDirectory = Value(); break;
                case "--results-dir": o.ResultsDirectory = Value(); break;
                case "--expect-nodes": o.ExpectNodes = int.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--warmup":
                    o.WarmupSeconds = double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture);
                    if (o.WarmupSeconds is < 0 or > 600)
                    {
                        throw new ArgumentException("--warmup wants 0..600 seconds");
                    }

                    break;
                case "--scale":
                    o.Scale = double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture);
                    if (o.Scale is <= 0 or > 100)
                    {
                        throw new ArgumentException("--scale must be in (0, 100]");
                    }

                    break;
                case "--systems":
                    foreach (var s in Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!AllSystems.Contains(s, StringComparer.OrdinalIgnoreCase))
                        {
                            throw new ArgumentException($"unknown system '{s}' (known: {string.Join(",", AllSystems)})");
                        }

                        o.Systems.Add(s.ToLowerInvariant());
                    }

                    break;
                case "--datanode":
                {
                    var v = Value();
                    var eq = v.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        throw new ArgumentException($"--datanode wants PID=HOST:PORT, got '{v}'");
                    }

                    o.DataNodes.Add(new DataNodeProcess(int.Parse(v[..eq], System.Globalization.CultureInfo.InvariantCulture), v[(eq + 1)..]));
                    break;
                }

                case "--watch":
                {
                    var v = Value();
                    var eq = v.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        throw new ArgumentException($"--watch wants NAME=PID[+], got '{v}'");
                    }

                    var pid = v[(eq + 1)..];
                    bool children = pid.EndsWith('+');
                    o.Watch.Add(new WatchedProcess(v[..eq], int.Parse(pid.TrimEnd('+'), System.Globalization.CultureInfo.InvariantCulture), children));
                    break;
                }

                case "-h" or "--help":
                    Console.WriteLine(Usage);
                    Environment.Exit(0);
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{a}'\n{Usage}");
            }
        }

        if (o.Systems.Count == 0)
        {
            foreach (var s in AllSystems)
            {
                o.Systems.Add(s);
            }
        }

        return o;
    }

    /// <summary>A base URL that relative paths resolve under (trailing slash).</summary>
    private static Uri BaseUri(string value) => new(value.EndsWith('/') ? value : value + "/", UriKind.Absolute);

    /// <summary>In table order: the system under test first, then the references.</summary>
    public static readonly string[] AllSystems = ["objectstore", "disk", "nginx", "azurite", "etcd"];

    public static readonly string[] References = ["disk", "nginx", "azurite", "etcd"];

    /// <summary>Sizes up to this are measured with wrk (the .NET client is the limit there; above, the server is).</summary>
    public const long WrkMaxSize = 64 << 10;
}
