using ObjectStore.Storage.Volumes;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using ObjectStore.IntegrationTests.Infrastructure;

// bench/soak [--minutes M] [--clients N] [--max-bytes B] [--max-down D] [--repository DIR] [--state DIR]
// Starts ./run (6 data nodes, RS(4,2)), runs N clients of mixed PUT/GET/DELETE on their own names with objects of
// 0 B to B bytes, kills and restarts data nodes at random (never more than D down at once), then restarts every node,
// reads every name back, and prints the counts. Exit code 1 if any GET failed, any byte was wrong or any PUT failed twice.
var options = SoakOptions.Parse(args);
var environment = new Dictionary<string, string>
{
    // Quick membership, so that kills are noticed and returns heard within seconds.
    ["ObjectStore__HeartbeatSchedule"] = "*/1 * * * * *",
    ["ObjectStore__ExpireDeadNodesSchedule"] = "*/1 * * * * *",
    ["ObjectStore__NodeExpiry"] = "00:00:03",
    ["ObjectStore__RepairScanSchedule"] = "*/30 * * * * *",
    ["ObjectStore__RepairGracePeriod"] = "00:01:00",
    // The collector every 5 s with a 30 s grace period, so that the closing balance of bytes settles within minutes.
    ["ObjectStore__CollectSchedule"] = "*/5 * * * * *",
    ["ObjectStore__ContentGracePeriod"] = "00:00:30",
    ["ObjectStore__CleanTempSchedule"] = "*/10 * * * * *",
    ["ObjectStore__TempMaxAge"] = "00:00:30",
};
Directory.CreateDirectory(options.State);
Console.Error.WriteLine($"soak: starting ./run in {options.State}");
await using var cluster = await RunCluster.StartAsync(options.Repository, options.State, dataNodes: 6, environment, "Release", TimeSpan.FromMinutes(40));
Console.Error.WriteLine($"soak: ready at {cluster.ApiAddress}; {options.Clients} clients for {options.Duration}, at most {options.MaxDown} nodes down");

var counts = new Counts();
using var stop = new CancellationTokenSource(options.Duration);
var clients = Enumerable.Range(0, options.Clients).Select(i => new SoakClient(i, cluster.Client, options, counts).RunAsync(stop.Token)).ToList();
var chaos = ChaosAsync(cluster, options, counts, stop.Token);
await Task.WhenAll(clients.Append(chaos));

Console.Error.WriteLine("soak: restarting every node and reading every name back");
foreach (var node in cluster.Nodes.Where(n => !n.IsRunning))
{
    await cluster.RestartAsync(node);
}

await cluster.WaitForLiveNodesAsync(cluster.Nodes, TimeSpan.FromSeconds(60));
var verified = 0;
foreach (var client in clients.Select(c => c.Result))
{
    verified += await client.VerifyAllAsync(CancellationToken.None);
}

Console.Error.WriteLine("soak: waiting for the collector, then comparing the bytes on the nodes with what the versions reference");
var names = clients.SelectMany(c => c.Result.AllNames).ToList();
var balance = await ContentBalance.SettleAsync(cluster, names, TimeSpan.FromMinutes(3), CancellationToken.None);
counts.Print(Console.Out, options, verified);
balance.Print(Console.Out);
return counts.Failed || balance.Failed ? 1 : 0;

static async Task ChaosAsync(RunCluster cluster, SoakOptions options, Counts counts, CancellationToken cancellationToken)
{
    var random = new Random(options.Seed);
    try
    {
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(random.Next(options.ChaosMinSeconds, options.ChaosMaxSeconds + 1)), cancellationToken);
            var down = cluster.Nodes.Where(n => !n.IsRunning).ToList();
            var up = cluster.Nodes.Where(n => n.IsRunning).ToList();
            if (down.Count < options.MaxDown && (down.Count == 0 || random.Next(2) == 0))
            {
                var victim = up[random.Next(up.Count)];
                await cluster.KillAsync(victim);
                Interlocked.Increment(ref counts.Kills);
                Console.Error.WriteLine($"soak: {DateTime.Now:T} killed {victim} ({down.Count + 1} down)");
            }
            else
            {
                var back = down[random.Next(down.Count)];
                await cluster.RestartAsync(back);
                Interlocked.Increment(ref counts.Restarts);
                Console.Error.WriteLine($"soak: {DateTime.Now:T} restarted {back} ({down.Count - 1} down)");
            }
        }
    }
    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
    {
    }
}

internal sealed record SoakOptions(TimeSpan Duration, int Clients, int MaxBytes, int MaxDown, string Repository, string State, int Seed, int ChaosMinSeconds, int ChaosMaxSeconds)
{
    public static SoakOptions Parse(string[] args)
    {
        var repository = Directory.GetCurrentDirectory();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        string Get(string key, string fallback) => values.TryGetValue(key, out var v) ? v : fallback;
        repository = Path.GetFullPath(Get("repository", repository));
        return new SoakOptions(
            TimeSpan.FromMinutes(double.Parse(Get("minutes", "10"), CultureInfo.InvariantCulture)),
            int.Parse(Get("clients", "8"), CultureInfo.InvariantCulture),
            int.Parse(Get("max-bytes", (4 * 1024 * 1024).ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
            int.Parse(Get("max-down", "2"), CultureInfo.InvariantCulture),
            repository,
            Path.GetFullPath(Get("state", Path.Combine(repository, ".local", "soak"))),
            int.Parse(Get("seed", "1"), CultureInfo.InvariantCulture),
            int.Parse(Get("chaos-min-seconds", "5"), CultureInfo.InvariantCulture),
            int.Parse(Get("chaos-max-seconds", "20"), CultureInfo.InvariantCulture));
    }
}

internal sealed class Counts
{
    public int Puts;
    public int PutsRetried;
    public int PutsFailedTwice;
    public int Gets;
    public int GetsFailed;
    public int WrongBytes;
    public int Deletes;
    public int Purges;
    public int DeletesFailed;
    public int Kills;
    public int Restarts;
    public long BytesPut;
    public ConcurrentQueue<string> Problems { get; } = new();

    public bool Failed => GetsFailed > 0 || WrongBytes > 0 || PutsFailedTwice > 0;

    public void Problem(string text)
    {
        Problems.Enqueue($"{DateTime.Now:T} {text}");
        Console.Error.WriteLine($"soak: PROBLEM {text}");
    }

    public void Print(TextWriter output, SoakOptions options, int verified)
    {
        output.WriteLine($"soak: {options.Clients} clients, {options.Duration.TotalMinutes:0.#} min, objects 0 B..{options.MaxBytes / 1024} KiB, 6 data nodes, at most {options.MaxDown} down");
        output.WriteLine($"  node kills {Kills}, restarts {Restarts}");
        output.WriteLine($"  PUT    {Puts,7}  ({BytesPut / (1024 * 1024)} MiB)  retried once {PutsRetried}  failed twice {PutsFailedTwice}");
        output.WriteLine($"  GET    {Gets,7}  failed {GetsFailed}  wrong bytes {WrongBytes}");
        output.WriteLine($"  DELETE {Deletes,7} markers, {Purges} purges  failed {DeletesFailed}");
        output.WriteLine($"  final read-back of every name after all nodes returned: {verified} names checked");
        foreach (var problem in Problems.Take(20))
        {
            output.WriteLine($"  ! {problem}");
        }

        output.WriteLine(Failed ? "soak: FAILED" : "soak: OK (0 failed GETs, 0 wrong bytes, 0 PUTs failed twice)");
    }
}

/// <summary>One client on names of its own, so that it always knows what each name must read back as.</summary>
internal sealed class SoakClient(int id, HttpClient http, SoakOptions options, Counts counts)
{
    private const int Names = 40;
    private readonly Random _random = new(options.Seed * 1000 + id);

    /// <summary>Per name: the SHA-256 and length it must read back as, null for never written or deleted.</summary>
    private readonly (string Hash, long Length)?[] _expected = new (string, long)?[Names];

    private string Name(int n) => $"soak-{id}-{n}";

    /// <summary>
    /// Runs until <paramref name="stop"/>, which is checked between requests only: a request cancelled in flight
    /// could have been committed by the store without this client learning it, and the final read-back would then
    /// blame the store for the client's own ignorance.
    /// </summary>
    public async Task<SoakClient> RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var n = _random.Next(Names);
            var roll = _random.Next(100);
            if (roll < 45)
            {
                await PutAsync(n, CancellationToken.None);
            }
            else if (roll < 90)
            {
                await GetAsync(n, CancellationToken.None);
            }
            else
            {
                await DeleteAsync(n, CancellationToken.None);
            }
        }

        return this;
    }

    private int NextSize()
    {
        var roll = _random.Next(100);
        return roll switch
        {
            < 10 => 0,
            < 45 => _random.Next(1, 8 * 1024),
            < 70 => _random.Next(8 * 1024, 256 * 1024),
            _ => _random.Next(256 * 1024, options.MaxBytes + 1),
        };
    }

    private async Task PutAsync(int n, CancellationToken cancellationToken)
    {
        var body = new byte[NextSize()];
        _random.NextBytes(body);
        var hash = Convert.ToHexStringLower(SHA256.HashData(body));
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var (status, text) = await SendAsync(() => http.PutAsync($"/objects/{Name(n)}", new ByteArrayContent(body), cancellationToken), cancellationToken);
            if (status == HttpStatusCode.OK)
            {
                Interlocked.Increment(ref counts.Puts);
                Interlocked.Add(ref counts.BytesPut, body.Length);
                _expected[n] = (hash, body.Length);
                return;
            }

            if (attempt == 1)
            {
                Interlocked.Increment(ref counts.PutsRetried);
                Console.Error.WriteLine($"soak: PUT {Name(n)} ({body.Length} B) failed once: {(int)status} {text}");
            }
            else
            {
                Interlocked.Increment(ref counts.PutsFailedTwice);
                counts.Problem($"PUT {Name(n)} ({body.Length} B) failed twice: {(int)status} {text}");
                // Nothing visible is the promise: the name keeps what it had.
            }
        }
    }

    private async Task GetAsync(int n, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref counts.Gets);
        var result = await ReadAsync(n, cancellationToken);
        if (result is not null)
        {
            counts.Problem(result);
        }
    }

    /// <summary>Null when the name reads back as expected; what went wrong otherwise.</summary>
    private async Task<string?> ReadAsync(int n, CancellationToken cancellationToken)
    {
        var expected = _expected[n];
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await http.GetAsync($"/objects/{Name(n)}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (expected is null && response.StatusCode == HttpStatusCode.NotFound)
                {
                    return null;
                }

                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
                    if (expected is { } e && e.Hash == hash && e.Length == bytes.Length)
                    {
                        return null;
                    }

                    Interlocked.Increment(ref counts.WrongBytes);
                    return $"GET {Name(n)}: {bytes.Length} B {hash[..12]}, expected {(expected is { } x ? $"{x.Length} B {x.Hash[..12]}" : "404")}";
                }

                if (expected is not null && response.StatusCode == HttpStatusCode.NotFound)
                {
                    Interlocked.Increment(ref counts.WrongBytes);
                    return $"GET {Name(n)}: 404, expected {expected.Value.Length} B";
                }

                if (attempt >= 2)
                {
                    Interlocked.Increment(ref counts.GetsFailed);
                    return $"GET {Name(n)} failed twice: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= 2)
                {
                    Interlocked.Increment(ref counts.GetsFailed);
                    return $"GET {Name(n)} failed twice: {ex.Message}";
                }
            }
        }
    }

    private async Task DeleteAsync(int n, CancellationToken cancellationToken)
    {
        if (_expected[n] is null)
        {
            return;
        }

        // Half delete markers (older versions stay, and keep their bytes), half purges (every version and, after the
        // collector's grace period, the bytes nothing else references).
        var purge = _random.Next(2) == 0;
        var (status, text) = await SendAsync(() => http.DeleteAsync(purge ? $"/versions/{Name(n)}" : $"/objects/{Name(n)}", cancellationToken), cancellationToken);
        if (status == HttpStatusCode.OK)
        {
            Interlocked.Increment(ref purge ? ref counts.Purges : ref counts.Deletes);
            _expected[n] = null;
        }
        else
        {
            Interlocked.Increment(ref counts.DeletesFailed);
            counts.Problem($"DELETE {Name(n)}: {(int)status} {text}");
        }
    }

    private static async Task<(HttpStatusCode, string)> SendAsync(Func<Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await send();
            return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (HttpRequestException ex)
        {
            return (0, ex.Message);
        }
    }

    public IEnumerable<string> AllNames => Enumerable.Range(0, Names).Select(Name);

    public async Task<int> VerifyAllAsync(CancellationToken cancellationToken)
    {
        for (var n = 0; n < Names; n++)
        {
            var result = await ReadAsync(n, cancellationToken);
            if (result is not null)
            {
                counts.Problem("final " + result);
            }
        }

        return Names;
    }
}

/// <summary>
/// Issue 10's closing check: once the collector has had its grace period, the bytes on the data nodes are exactly what
/// the versions reference — no storage id on a node that no version references (a leak), none referenced that no node
/// holds enough of to read (a loss) — and no temp uploads are left. Whole copies on more nodes than the layout needs are
/// counted too (the repair scan removes them), and waited for as storage ids below full redundancy are.
/// </summary>
internal sealed record ContentBalance(int Referenced, int Held, IReadOnlyList<string> Leaked, IReadOnlyList<string> Lost, int Degraded, int Surplus, int TempFiles, TimeSpan Settled)
{
    public bool Failed => Leaked.Count > 0 || Lost.Count > 0 || TempFiles > 0;

    public static async Task<ContentBalance> SettleAsync(RunCluster cluster, IReadOnlyList<string> names, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            var referenced = await ReferencedAsync(cluster.Client, names, cancellationToken);
            var held = HeldPieces(cluster);
            var leaked = held.Keys.Where(id => !referenced.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
            var lost = referenced.Where(r => held.GetValueOrDefault(r.Key) < r.Value.Readable).Select(r => r.Key).Order(StringComparer.Ordinal).ToList();
            var degraded = referenced.Count(r => held.GetValueOrDefault(r.Key) < r.Value.Full);
            var surplus = referenced.Count(r => held.GetValueOrDefault(r.Key) > r.Value.Full);
            var temp = cluster.Nodes.Sum(n => Directory.Exists(Path.Combine(n.StorageRoot, "temp")) ? Directory.EnumerateFiles(Path.Combine(n.StorageRoot, "temp")).Count() : 0);
            var balance = new ContentBalance(referenced.Count, held.Count, leaked, lost, degraded, surplus, temp, started.Elapsed);
            if (!balance.Failed && degraded == 0 && surplus == 0 || started.Elapsed > timeout)
            {
                return balance;
            }

            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        }
    }

    /// <summary>Storage id → (pieces needed to read it, pieces at full redundancy), for every version of every name.</summary>
    private static async Task<Dictionary<string, (int Readable, int Full)>> ReferencedAsync(HttpClient http, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var referenced = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            using var response = await http.GetAsync($"/versions/{name}", cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                continue;
            }

            response.EnsureSuccessStatusCode();
            using var versions = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            foreach (var version in versions.RootElement.EnumerateArray().Where(v => !v.GetProperty("deleted").GetBoolean()))
            {
                var hash = version.GetProperty("hash").GetString()!;
                var layout = version.GetProperty("layout").GetString()!;
                var parts = layout.Split('-');
                referenced[layout.StartsWith("replica-", StringComparison.Ordinal) ? hash : TestData.StorageId(hash, layout)] = parts[0] == "replica"
                    ? (1, int.Parse(parts[1], CultureInfo.InvariantCulture))
                    : (int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture) + int.Parse(parts[2], CultureInfo.InvariantCulture));
            }
        }

        return referenced;
    }

    /// <summary>
    /// Storage id → distinct pieces (copies on distinct nodes, or distinct shard numbers) the nodes hold: files under
    /// <c>objects/</c> and live records in <c>packs/</c>.
    /// </summary>
    private static Dictionary<string, int> HeldPieces(RunCluster cluster) =>
        cluster.Nodes
            .SelectMany(n => StoredKeys(n.StorageRoot).Select(key => (Node: n.Number, File: key)))
            .Select(f => (Id: f.File.Split('.')[0], Piece: f.File.Contains('.', StringComparison.Ordinal) ? "shard" + f.File.Split('.')[1] : "node" + f.Node))
            .GroupBy(f => f.Id, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(f => f.Piece).Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);

    private static IEnumerable<string> StoredKeys(string storageRoot)
    {
        var objects = Path.Combine(storageRoot, "objects");
        var files = Directory.Exists(objects) ? Directory.EnumerateFiles(objects).Select(Path.GetFileName) : [];
        return files.Concat(PackedKeys(storageRoot)).Select(k => k!).Distinct(StringComparer.Ordinal);
    }

    /// <summary>Keys with a live record in the node's packs, as the node's own index is rebuilt from them at start.</summary>
    private static IEnumerable<string> PackedKeys(string storageRoot) =>
        PackFile.LiveRecords(Path.Combine(storageRoot, "packs")).Select(r => r.Record.Key);

    public void Print(TextWriter output)
    {
        output.WriteLine($"  bytes on the nodes after {Settled.TotalSeconds:0} s: {Referenced} storage ids referenced by versions, {Held} held; leaked {Leaked.Count}, lost {Lost.Count}, below full redundancy {Degraded}, with surplus copies {Surplus}, temp files {TempFiles}");
        foreach (var id in Leaked.Take(5))
        {
            output.WriteLine($"  ! leaked {id}");
        }

        foreach (var id in Lost.Take(5))
        {
            output.WriteLine($"  ! lost {id}");
        }

        output.WriteLine(Failed ? "soak: content balance FAILED" : "soak: content balance OK (nothing leaked, nothing lost)");
    }
}
