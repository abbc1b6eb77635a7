using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace ObjectStore.Bench;

/// <summary>What to run: bounded in op count AND in time (no new op starts after <see cref="MaxTime"/>).</summary>
internal sealed record RunSpec(
    string Workload,   // e.g. "PUT 4KiB c=16"
    string Op,         // PUT, GET, GET-missing
    long SizeBytes,
    string SizeLabel,
    int Concurrency,
    int MaxOps,
    TimeSpan MaxTime,
    string System,
    string? Phase = null); // null = healthy; "degraded" for the nodes-down runs

/// <summary>Per-worker state: its own copy of the small body (stamped in place per op) and a pooled read buffer.</summary>
internal sealed class WorkerContext : IDisposable
{
    public WorkerContext(Payload? payload)
    {
        Body = payload is { IsInMemory: true } ? payload.NewWorkerBuffer() : null;
        ReadBuffer = ArrayPool<byte>.Shared.Rent(1 << 20);
    }

    public byte[]? Body { get; }

    public byte[] ReadBuffer { get; }

    public byte[] Head { get; } = new byte[Payload.StampBytes];

    public void Dispose() => ArrayPool<byte>.Shared.Return(ReadBuffer);
}

internal sealed class RunResult
{
    public required RunSpec Spec { get; init; }

    /// <summary>What generated the load: <c>wrk</c>, or <c>.NET</c> (HttpClient, the Azure SDK, FileStream).</summary>
    public string Client { get; init; } = ".NET";

    public int Ok { get; init; }

    public int Total { get; init; }

    public required SortedDictionary<string, int> Failures { get; init; }

    public string? FirstError { get; init; }

    public double Seconds { get; init; }

    public double OpsPerSec => Seconds > 0 ? Ok / Seconds : 0;

    public double MBps => Seconds > 0 ? Ok * (double)Spec.SizeBytes / Seconds / 1e6 : 0;

    public double P50Ms { get; init; }

    public double P99Ms { get; init; }

    public double MeanMs { get; init; }

    public double MaxMs { get; init; }

    public required Dictionary<string, double> Cpu { get; init; }

    public string? Note { get; set; }
}

internal static class Runner
{
    /// <summary>
    /// Runs <paramref name="op"/>(worker, opIndex, token) on <see cref="RunSpec.Concurrency"/> workers until
    /// <see cref="RunSpec.MaxOps"/> ops were started or <see cref="RunSpec.MaxTime"/> has passed. An op still
    /// running past a hard limit (max time + grace) is cancelled and counted as a failure (timeout).
    /// </summary>
    public static async Task<RunResult> RunAsync(RunSpec spec, Payload? payload, CpuSampler cpu, TimeSpan opTimeout,
        Func<WorkerContext, int, CancellationToken, Task> op, CancellationToken stop = default)
    {
        int next = -1;
        int ok = 0, attempted = 0;
        var failures = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        string? firstError = null;
        var latencies = new ConcurrentBag<long[]>();
        using var hard = new CancellationTokenSource(spec.MaxTime + opTimeout);

        var before = cpu.Take();
        long start = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, spec.Concurrency).Select(_ => Task.Run(async () =>
        {
            using var ctx = new WorkerContext(payload);
            var mine = new List<long>();
            try
            {
                while (Stopwatch.GetElapsedTime(start) < spec.MaxTime && !hard.IsCancellationRequested && !stop.IsCancellationRequested)
                {
                    int i = Interlocked.Increment(ref next);
                    if (i >= spec.MaxOps)
                    {
                        break;
                    }

                    Interlocked.Increment(ref attempted);
                    long t0 = Stopwatch.GetTimestamp();
                    try
                    {
                        await op(ctx, i, hard.Token).ConfigureAwait(false);
                        mine.Add(Stopwatch.GetTimestamp() - t0);
                        Interlocked.Increment(ref ok);
                    }
                    catch (Exception ex)
                    {
                        var reason = Reason(ex, hard.IsCancellationRequested);
                        failures.AddOrUpdate(reason, 1, (_, n) => n + 1);
                        Interlocked.CompareExchange(ref firstError, ex is OpFailedException ? ex.Message : $"{reason}: {ex.GetType().Name}: {ex.Message}", null);
                    }
                }
            }
            finally
            {
                latencies.Add([.. mine]);
            }
        })).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var after = cpu.Take();

        var all = latencies.SelectMany(l => l).Select(t => t * 1000.0 / Stopwatch.Frequency).ToArray();
        Array.Sort(all);
        return new RunResult
        {
            Spec = spec,
            Ok = ok,
            Total = attempted,
            Failures = new SortedDictionary<string, int>(failures, StringComparer.Ordinal),
            FirstError = firstError,
            Seconds = elapsed.TotalSeconds,
            P50Ms = Percentile(all, 0.50),
            P99Ms = Percentile(all, 0.99),
            MeanMs = all.Length > 0 ? all.Average() : double.NaN,
            MaxMs = all.Length > 0 ? all[^1] : double.NaN,
            Cpu = CpuSampler.Percent(before, after, elapsed),
        };
    }

    /// <summary>Nearest-rank percentile of sorted values; NaN when there are none.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        int rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private static string Reason(Exception ex, bool timedOut) => ex switch
    {
        OpFailedException f => f.Reason,
        OperationCanceledException when timedOut => "timeout",
        HttpRequestException h => $"connection ({h.HttpRequestError})",
        _ => ex.GetType().Name,
    };
}
