using System.Globalization;

namespace ObjectStore.Bench;

/// <summary>
/// CPU time of the processes involved (from <c>/proc/PID/stat</c>: utime+stime), read before and after each run, so a
/// row can say who was busy: the client (this process and the wrk it ran), the Api, the data nodes, RabbitMQ, Azurite, nginx. 100 % is
/// one core; the machine total (from <c>/proc/stat</c>) is out of nproc × 100 %.
/// </summary>
internal sealed class CpuSampler(IReadOnlyList<WatchedProcess> watched)
{
    private const double TicksPerSecond = 100.0; // USER_HZ; 100 on every Linux this runs on

    public const string Client = "client";
    public const string Machine = "machine";

    public sealed record Snapshot(Dictionary<string, long> Ticks, long MachineBusy, long MachineTotal);

    public Snapshot Take()
    {
        var ticks = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            [Client] = ProcessTicks(Environment.ProcessId, withReapedChildren: true),
        };
        Dictionary<int, List<int>>? children = null;
        foreach (var w in watched)
        {
            long sum = ProcessTicks(w.Pid);
            if (w.WithChildren)
            {
                children ??= ChildrenMap();
                foreach (var pid in Descendants(w.Pid, children))
                {
                    sum += ProcessTicks(pid);
                }
            }

            ticks[w.Name] = ticks.GetValueOrDefault(w.Name) + sum;
        }

        var (busy, total) = MachineTicks();
        return new Snapshot(ticks, busy, total);
    }

    /// <summary>Percent of one core per watched name over the interval, plus <see cref="Machine"/>: percent of one core, all cores added.</summary>
    public static Dictionary<string, double> Percent(Snapshot before, Snapshot after, TimeSpan elapsed)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        double seconds = Math.Max(elapsed.TotalSeconds, 1e-3);
        foreach (var (name, end) in after.Ticks)
        {
            long start = before.Ticks.GetValueOrDefault(name);
            result[name] = Math.Max(0, end - start) / TicksPerSecond / seconds * 100.0;
        }

        long dt = after.MachineTotal - before.MachineTotal;
        if (dt > 0)
        {
            result[Machine] = (after.MachineBusy - before.MachineBusy) / (double)dt * Environment.ProcessorCount * 100.0;
        }

        return result;
    }

    /// <summary>
    /// Waits (at most <paramref name="max"/>) until the watched processes together use less than
    /// <paramref name="thresholdPercent"/> of a core over 100 ms — e.g. until the apps finished the tier-1 JIT
    /// that the previous run started, so it is not billed to the next run. Returns how long it waited.
    /// </summary>
    public async Task<TimeSpan> SettleAsync(TimeSpan max, double thresholdPercent, CancellationToken cancellationToken)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        if (watched.Count == 0)
        {
            return TimeSpan.Zero;
        }

        var previous = Take();
        var at = sw.Elapsed;
        while (sw.Elapsed < max)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            var now = Take();
            var busy = Percent(previous, now, sw.Elapsed - at)
                .Where(kv => kv.Key is not Client and not Machine)
                .Sum(kv => kv.Value);
            if (busy < thresholdPercent)
            {
                break;
            }

            previous = now;
            at = sw.Elapsed;
        }

        return sw.Elapsed;
    }

    /// <param name="withReapedChildren">add the CPU of children that exited and were waited for (wrk, once its run is over)</param>
    private static long ProcessTicks(int pid, bool withReapedChildren = false)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // after "pid (comm) ": state=0 ppid=1 ... utime=11 stime=12 cutime=13 cstime=14
            long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            if (withReapedChildren)
            {
                ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            }

            return ticks;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0; // gone (e.g. a killed data node)
        }
    }

    private static Dictionary<int, List<int>> ChildrenMap()
    {
        var map = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                int ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (!map.TryGetValue(ppid, out var list))
                {
                    map[ppid] = list = [];
                }

                list.Add(pid);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
            }
        }

        return map;
    }

    private static IEnumerable<int> Descendants(int pid, Dictionary<int, List<int>> children)
    {
        var stack = new Stack<int>([pid]);
        var seen = new HashSet<int> { pid };
        while (stack.Count > 0)
        {
            if (!children.TryGetValue(stack.Pop(), out var list))
            {
                continue;
            }

            foreach (var child in list)
            {
                if (seen.Add(child))
                {
                    stack.Push(child);
                    yield return child;
                }
            }
        }
    }

    private static (long Busy, long Total) MachineTicks()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
            var v = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            long total = v.Sum();
            long idle = v[3] + v[4]; // idle + iowait
            return (total - idle, total);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or FormatException)
        {
            return (0, 0);
        }
    }
}
