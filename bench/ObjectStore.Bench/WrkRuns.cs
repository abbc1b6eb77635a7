using System.Diagnostics;

namespace ObjectStore.Bench;

/// <summary>
/// The small-object rows measured with wrk: PUT to distinct names, GET of what was stored, and etcd's own put rate.
/// Each run ends with a check out of band: a sample of the names read back through .NET and compared byte for byte
/// (etcd: the keys counted under the run's prefix), so a row can never be fast because it failed.
/// </summary>
internal sealed class WrkRuns(WrkClient wrk, HttpClient http, CpuSampler cpu, string workDirectory, TextWriter log)
{
    private const int ReadBackSample = 24;

    /// <summary>Whether every GET body is compared with what was PUT inside wrk (slower client; default: status and byte count only).</summary>
    public bool VerifyEveryBody { get; init; }

    public async Task<(RunResult Result, List<string> Stored)> PutAsync(IWrkTarget target, RunSpec spec, string namePrefix, CancellationToken cancellationToken)
    {
        var (output, elapsed, before, after) = await RunAsync(new Uri(target.BaseUri, "/"), spec, ["put", target.PathPrefix, target.PathSuffix, namePrefix, spec.SizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken).ConfigureAwait(false);
        var failures = ThreadFailures(output);
        long ok = output.Threads.Sum(t => t.Ok);
        var stored = WrkClient.StoredNames(output, namePrefix, out var warning);
        if (warning is not null)
        {
            log.WriteLine($"[bench] {spec.Workload} {target.Name}: {warning}");
        }

        var note = await ReadBackAsync(target, stored, (int)spec.SizeBytes, failures, cancellationToken).ConfigureAwait(false);
        return (Result(spec, output, ok, failures, elapsed, before, after, note), stored);
    }

    public async Task<RunResult> GetAsync(IWrkTarget target, RunSpec spec, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(workDirectory);
        var file = Path.Combine(workDirectory, $"names-{target.Name}-{spec.SizeLabel}-{Environment.ProcessId}.txt");
        await File.WriteAllLinesAsync(file, names, cancellationToken).ConfigureAwait(false);
        try
        {
            var size = spec.SizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var threads = spec.Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var (output, elapsed, before, after) = await RunAsync(new Uri(target.BaseUri, "/"), spec,
                ["get", target.PathPrefix, target.PathSuffix, size, file, threads, VerifyEveryBody ? "verify" : "status"], cancellationToken).ConfigureAwait(false);
            SortedDictionary<string, int> failures;
            long ok;
            if (VerifyEveryBody)
            {
                failures = ThreadFailures(output);
                ok = output.Threads.Sum(t => t.Ok);
            }
            else
            {
                // Without a Lua response() wrk does not hand bodies to the script (much cheaper); it counts statuses >= 400.
                failures = SocketFailures(output);
                if (output.Errors.Status > 0)
                {
                    failures["HTTP >= 400"] = (int)output.Errors.Status;
                }

                ok = output.Requests - output.Errors.Status;
                if (output.Bytes < ok * spec.SizeBytes)
                {
                    failures["short bodies (bytes received < ok x size)"] = 1;
                }
            }

            var note = await ReadBackAsync(target, names, (int)spec.SizeBytes, failures, cancellationToken).ConfigureAwait(false);
            return Result(spec, output, ok, failures, elapsed, before, after,
                (VerifyEveryBody ? "every body compared in wrk; " : "status and byte count checked in wrk; ") + note);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>etcd's own put rate: POST /v3/kv/put of distinct keys under <paramref name="keyPrefixBase64"/>, then the keys counted.</summary>
    public async Task<RunResult> EtcdPutAsync(EtcdReference etcd, RunSpec spec, string keyPrefixBase64, CancellationToken cancellationToken)
    {
        var (output, elapsed, before, after) = await RunAsync(etcd.Endpoint, spec,
            ["etcd", keyPrefixBase64, spec.SizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)], cancellationToken).ConfigureAwait(false);
        var failures = ThreadFailures(output);
        long ok = output.Threads.Sum(t => t.Ok);
        string note;
        try
        {
            long count = await etcd.CountAsync(keyPrefixBase64, cancellationToken).ConfigureAwait(false);
            note = $"{count} keys under the run's prefix afterwards ({ok} acknowledged) on {etcd.Description}";
            if (count < ok)
            {
                failures["acknowledged but not in etcd"] = (int)(ok - count);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or System.Text.Json.JsonException)
        {
            note = $"could not count the keys: {ex.Message}";
            failures["count check failed"] = 1;
        }

        return Result(spec, output, ok, failures, elapsed, before, after, note);
    }

    private async Task<(WrkOutput Output, TimeSpan Elapsed, CpuSampler.Snapshot Before, CpuSampler.Snapshot After)> RunAsync(
        Uri url, RunSpec spec, string[] args, CancellationToken cancellationToken)
    {
        // wrk abandons what is in flight when its time is up: under 2 s that is a large share of a slow server's answers.
        int seconds = Math.Max(2, (int)Math.Round(spec.MaxTime.TotalSeconds));
        var before = cpu.Take();
        var sw = Stopwatch.StartNew();
        var output = await wrk.RunAsync(url, spec.Concurrency, seconds, args, cancellationToken).ConfigureAwait(false);
        var elapsed = sw.Elapsed;
        return (output, elapsed, before, cpu.Take());
    }

    private static SortedDictionary<string, int> SocketFailures(WrkOutput output)
    {
        var failures = new SortedDictionary<string, int>(StringComparer.Ordinal);
        void Add(string reason, long n)
        {
            if (n > 0)
            {
                failures[reason] = failures.GetValueOrDefault(reason) + (int)n;
            }
        }

        Add("connection (connect)", output.Errors.Connect);
        Add("connection (read)", output.Errors.Read);
        Add("connection (write)", output.Errors.Write);
        Add($"timeout (> {WrkClient.RequestTimeout.TotalSeconds:F0} s)", output.Errors.Timeout);
        return failures;
    }

    /// <summary>Socket errors and timeouts from wrk, answers other than 2xx (and wrong bodies) from the script's threads.</summary>
    private static SortedDictionary<string, int> ThreadFailures(WrkOutput output)
    {
        var failures = SocketFailures(output);
        foreach (var t in output.Threads)
        {
            foreach (var (status, n) in t.Statuses)
            {
                var reason = status == "wrong-body" ? "wrong bytes" : $"HTTP {status}";
                failures[reason] = failures.GetValueOrDefault(reason) + (int)n;
            }
        }

        return failures;
    }

    private RunResult Result(RunSpec spec, WrkOutput output, long ok, SortedDictionary<string, int> failures, TimeSpan elapsed,
        CpuSampler.Snapshot before, CpuSampler.Snapshot after, string note)
    {
        // An answer slower than wrk's timeout is left out of its latency histogram: count it as a failure, not as done.
        ok = Math.Max(0, ok - output.Errors.Timeout);
        return new RunResult
        {
            Spec = spec,
            Client = "wrk",
            Ok = (int)ok,
            Total = (int)ok + failures.Values.Sum(),
            Failures = failures,
            FirstError = failures.Count == 0 ? null : string.Join(", ", failures.Select(f => $"{f.Key} x{f.Value}")),
            Seconds = output.Seconds,
            P50Ms = output.LatencyUs.P50 / 1000.0,
            P99Ms = output.LatencyUs.P99 / 1000.0,
            MeanMs = output.LatencyUs.Mean / 1000.0,
            MaxMs = output.LatencyUs.Max / 1000.0,
            Cpu = CpuSampler.Percent(before, after, elapsed),
            Note = note,
        };
    }

    /// <summary>Reads a sample of <paramref name="names"/> back through .NET and compares every byte; mismatches become failures.</summary>
    private async Task<string> ReadBackAsync(IWrkTarget target, IReadOnlyList<string> names, int size, SortedDictionary<string, int> failures, CancellationToken cancellationToken)
    {
        if (names.Count == 0)
        {
            failures["nothing stored"] = failures.GetValueOrDefault("nothing stored") + 1;
            return "nothing to read back";
        }

        var random = new Random(names.Count);
        var sample = names.Take(4).Concat(names.TakeLast(4)).Concat(Enumerable.Range(0, ReadBackSample - 8).Select(_ => names[random.Next(names.Count)]))
            .Distinct(StringComparer.Ordinal).ToList();
        int bad = 0;
        foreach (var name in sample)
        {
            string? reason = null;
            try
            {
                using var response = await http.GetAsync(new Uri(target.BaseUri, target.PathPrefix + name + target.PathSuffix), cancellationToken).ConfigureAwait(false);
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    reason = $"read-back HTTP {(int)response.StatusCode}";
                }
                else if (!body.AsSpan().SequenceEqual(WrkBody.For(name, size)))
                {
                    reason = "read-back wrong bytes";
                }
            }
            catch (HttpRequestException ex)
            {
                reason = $"read-back connection ({ex.HttpRequestError})";
            }

            if (reason is not null)
            {
                bad++;
                failures[reason] = failures.GetValueOrDefault(reason) + 1;
            }
        }

        return bad == 0
            ? $"read back {sample.Count} of {names.Count} through .NET: all bytes match"
            : $"read back {sample.Count} of {names.Count} through .NET: {bad} did not match";
    }
}
