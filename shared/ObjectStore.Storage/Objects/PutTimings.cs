using System.Diagnostics;
using System.Globalization;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// Where one PUT's time went, for the Api's <c>Server-Timing</c> header: receiving the body (read whole and hashed, for
/// a small object), the dedup question, storing on the data nodes (for a coded object this includes receiving and
/// encoding, which overlap with the uploads), and the metadata commit that makes the version visible.
/// </summary>
public sealed class PutTimings
{
    public TimeSpan Receive { get; private set; }

    public TimeSpan Dedup { get; private set; }

    public TimeSpan Store { get; private set; }

    public TimeSpan Commit { get; private set; }

    /// <summary>The header's value: one metric per phase, durations in milliseconds (W3C Server Timing).</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"receive;dur={Receive.TotalMilliseconds:F2}, dedup;dur={Dedup.TotalMilliseconds:F2}, store;dur={Store.TotalMilliseconds:F2}, commit;dur={Commit.TotalMilliseconds:F2}");

    internal static long Now => Stopwatch.GetTimestamp();

    internal void AddReceive(long since) => Receive += Stopwatch.GetElapsedTime(since);

    internal void AddDedup(long since) => Dedup += Stopwatch.GetElapsedTime(since);

    internal void AddStore(long since) => Store += Stopwatch.GetElapsedTime(since);

    internal void AddCommit(long since) => Commit += Stopwatch.GetElapsedTime(since);

    /// <summary>Part of a phase already counted belongs to another (a coded upload's dedup read happens inside its store).</summary>
    internal void MoveStoreToDedup(TimeSpan part)
    {
        Store -= part;
        Dedup += part;
    }
}
