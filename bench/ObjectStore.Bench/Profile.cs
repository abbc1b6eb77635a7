namespace ObjectStore.Bench;

/// <summary>How long and how many: every run is bounded by an op count AND a time.</summary>
internal readonly record struct Bound(int Ops, TimeSpan Time);

/// <summary>One object size with the concurrencies it runs at and each one's bound.</summary>
internal sealed record SizeClass(long Size, string Label, int[] Concurrency, Func<int, Bound> Bound);

/// <summary>
/// The workload plan. Quick: under a second per run and a 64 MiB large object (well under 2 minutes in all on
/// 2 cores). Full: 5 s per small run and the 256 MiB object (well under 15 minutes).
/// </summary>
internal sealed class Profile
{
    public required SizeClass[] Sizes { get; init; }

    public required Bound Missing { get; init; }

    public int WarmupSmallOps { get; init; }

    public int WarmupMediumOps { get; init; }

    /// <summary>
    /// PUTs (and GETs) of the large size in the warm-up. ObjectStore stores it by a path the smaller sizes need not take
    /// (streaming uploads; 1 MiB takes one request per shard): cold, that path ran its first large PUTs in unoptimised
    /// code and billed the JIT to the measured row (PUT 64 MiB 75 MB/s instead of 90).
    /// </summary>
    public int WarmupLargeOps { get; init; } = 2;

    /// <summary>Bound of the small and the medium warm-up steps (per system: PUT and GET; the large step has its row's bound).</summary>
    public TimeSpan WarmupTime { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Sustained load on ObjectStore before measuring, so the apps' JIT has settled.</summary>
    public TimeSpan ObjectStoreWarmup { get; init; }

    /// <summary>A note on the large size when it is not the nominal 256 MiB.</summary>
    public string? LargeNote { get; init; }

    /// <summary>Grace for an op that is still running at the end of its run: 60 s plus the bytes at a pessimistic 20 MB/s.</summary>
    public TimeSpan OpTimeout(long size) => TimeSpan.FromSeconds(60 + size / 20e6);

    public static Profile For(BenchOptions options)
    {
        double k = options.Scale;
        Bound B(int ops, double seconds) => new(Math.Max(1, (int)Math.Round(ops * k)), TimeSpan.FromSeconds(seconds * k));

        if (options.Quick)
        {
            return new Profile
            {
                Sizes =
                [
                    new SizeClass(4 << 10, "4KiB", [1, 16], c => c == 1 ? B(3000, 0.8) : B(6000, 0.8)),
                    new SizeClass(1 << 20, "1MiB", [1, 8], c => c == 1 ? B(300, 0.8) : B(600, 0.8)),
                    new SizeClass(64L << 20, "64MiB(quick)", [1], _ => B(3, 2.5)),
                ],
                Missing = B(1000, 0.5),
                WarmupSmallOps = 200,
                WarmupMediumOps = 16,
                WarmupTime = TimeSpan.FromSeconds(1),
                ObjectStoreWarmup = TimeSpan.FromSeconds(10),
                LargeNote = "--quick: the large object is 64 MiB instead of 256 MiB",
            };
        }

        return new Profile
        {
            Sizes =
            [
                new SizeClass(4 << 10, "4KiB", [1, 16, 64], c => c == 1 ? B(30000, 5) : B(60000 * (c / 16), 5)),
                new SizeClass(1 << 20, "1MiB", [1, 8], c => c == 1 ? B(3000, 5) : B(6000, 5)),
                new SizeClass(256L << 20, "256MiB", [1], _ => B(6, 20)),
            ],
            Missing = B(10000, 4),
            WarmupSmallOps = 1000,
            WarmupMediumOps = 64,
            WarmupTime = TimeSpan.FromSeconds(3),
            ObjectStoreWarmup = TimeSpan.FromSeconds(45),
        };
    }
}
