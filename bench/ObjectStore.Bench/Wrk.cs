using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ObjectStore.Bench;

/// <summary>A system that wrk can load: objects live at <c>{BaseUri}{PathPrefix}{name}{PathSuffix}</c>.</summary>
internal interface IWrkTarget
{
    string Name { get; }

    Uri BaseUri { get; }

    /// <summary>Absolute path before the name, e.g. <c>/objects/</c>.</summary>
    string PathPrefix { get; }

    string PathSuffix { get; }
}

/// <summary>The bytes that <c>bench/wrk/objects.lua</c> PUTs under a name (the Lua <c>body_for</c>, byte for byte).</summary>
internal static class WrkBody
{
    public static byte[] For(string name, int size)
    {
        var body = new byte[size];
        var head = Encoding.ASCII.GetBytes(name + "\n");
        int n = Math.Min(head.Length, size);
        head.AsSpan(0, n).CopyTo(body);
        for (int i = 0; i < size - n; i++)
        {
            body[n + i] = (byte)(33 + (i * 7919L + 13) % 94);
        }

        return body;
    }
}

internal sealed record WrkErrors(long Connect, long Read, long Write, long Status, long Timeout);

internal sealed record WrkLatency(long Min, double Mean, long Max, long P50, long P90, long P99, long P999);

/// <summary>What one wrk thread (= one connection) saw. Name numbers are 1-based per thread.</summary>
internal sealed record WrkThread(int Tid, long Sent, long Ok, Dictionary<string, long> Statuses, long[] Failed, long FailedCount,
    long[] Unknown, long UnknownCount, bool LastAnswered);

/// <summary>The <c>WRK-RESULT</c> line that objects.lua's <c>done()</c> prints (times in microseconds).</summary>
internal sealed record WrkOutput(long DurationUs, long Requests, long Bytes, WrkErrors Errors, WrkLatency LatencyUs, WrkThread[] Threads)
{
    public double Seconds => DurationUs / 1e6;

    public long SocketErrors => Errors.Connect + Errors.Read + Errors.Write;
}

/// <summary>
/// Runs Debian's <c>wrk</c> with <c>bench/wrk/objects.lua</c>: one connection per thread (so each response belongs to the
/// thread's last request), a fixed duration, latency percentiles from wrk's own histogram.
/// </summary>
internal sealed class WrkClient(string executable, string script)
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    /// <summary>Requests slower than this count as wrk timeouts (wrk's default, 2 s, is too short for a busy ObjectStore).</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public string Executable => executable;

    /// <summary>wrk from <paramref name="path"/> or PATH, and objects.lua beside this program; null if wrk is not installed.</summary>
    public static WrkClient? Find(string? path)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "wrk", "objects.lua");
        if (!File.Exists(script))
        {
            throw new FileNotFoundException($"{script} is missing (it is copied there by the build)");
        }

        if (path is not null)
        {
            return File.Exists(path) ? new WrkClient(path, script) : throw new FileNotFoundException($"--wrk {path}: no such file");
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "wrk");
            if (File.Exists(candidate))
            {
                return new WrkClient(candidate, script);
            }
        }

        return null;
    }

    public async Task<WrkOutput> RunAsync(Uri url, int connections, int seconds, IReadOnlyList<string> scriptArgs, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "-t", connections.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
                     "-d", $"{seconds}s", "--timeout", $"{(int)RequestTimeout.TotalSeconds}s", "--latency", "-s", script, url.ToString(), "--",
                 })
        {
            start.ArgumentList.Add(a);
        }

        foreach (var a in scriptArgs)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        var output = await stdout.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("WRK-RESULT ", StringComparison.Ordinal));
        if (line is null)
        {
            throw new InvalidOperationException($"wrk exited {process.ExitCode} without a result: {Tail(errors + output)}");
        }

        return JsonSerializer.Deserialize<WrkOutput>(line["WRK-RESULT ".Length..], JsonOptions)
               ?? throw new InvalidOperationException("wrk printed an empty result");
    }

    private static string Tail(string text) => text.Length <= 600 ? text.Trim() : "..." + text[^600..].Trim();

    /// <summary>
    /// The names a PUT run stored for sure: every name a thread sent, less the ones answered with an error, the ones
    /// never answered (socket errors; the first name of thread 1, which wrk builds only to check the script), and the
    /// last one if it was still in flight when wrk stopped.
    /// </summary>
    public static List<string> StoredNames(WrkOutput output, string namePrefix, out string? warning)
    {
        var names = new List<string>();
        warning = null;
        foreach (var t in output.Threads)
        {
            if (t.Failed.Length < t.FailedCount || t.Unknown.Length < t.UnknownCount)
            {
                warning = "more than 1000 failed PUTs on a thread: some failed names are not known, GETs of them will fail";
            }

            var skip = new HashSet<long>(t.Failed.Concat(t.Unknown));
            long last = t.LastAnswered ? t.Sent : t.Sent - 1;
            for (long n = 1; n <= last; n++)
            {
                if (!skip.Contains(n))
                {
                    names.Add($"{namePrefix}{t.Tid}-{n}");
                }
            }
        }

        return names;
    }
}
