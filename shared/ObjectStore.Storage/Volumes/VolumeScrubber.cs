using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ObjectStore.Storage.Objects;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Volumes;

/// <summary>
/// Re-reads stored files at a bounded rate and checks every block, so that rot is found before a reader needs the
/// file. A bad file is quarantined by the reader (locate stops reporting it) and reported here; the Api's repair
/// scan then rebuilds it elsewhere. Resumes where the previous run stopped.
/// </summary>
public sealed partial class VolumeScrubber(LocalVolumeStore store, ILogger<VolumeScrubber> logger)
{
    private string? _cursor;

    public sealed record Report(int Checked, long Bytes, IReadOnlyList<string> Bad);

    /// <param name="bytesPerSecond">Rate ceiling, so scrubbing never crowds out reads and writes.</param>
    /// <param name="budget">Bytes to check in this run at most (one file may overshoot it).</param>
    /// <param name="fileCost">What one file costs <paramref name="bytesPerSecond"/> and <paramref name="budget"/> at least.</param>
    public async Task<Report> ScrubAsync(long bytesPerSecond, long budget, CancellationToken cancellationToken, long fileCost = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerSecond, 1);
        var keys = store.Keys().Select(k => k.FileName).Order(StringComparer.Ordinal).ToList();
        var start = _cursor is null ? 0 : keys.FindIndex(k => string.CompareOrdinal(k, _cursor) > 0);
        if (start < 0)
        {
            start = 0;
        }

        var clock = Stopwatch.StartNew();
        var bad = new List<string>();
        long bytes = 0;
        long spent = 0;
        var checkedCount = 0;
        for (var i = start; i < keys.Count && spent < budget; i++)
        {
            _cursor = keys[i];
            if (!StoredKey.TryParse(keys[i], out var key))
            {
                continue;
            }

            try
            {
                await using var reader = store.OpenRead(key);
                if (reader is null)
                {
                    continue;
                }

                await reader.StartAsync(new ByteRange(0, reader.Length - 1), cancellationToken).ConfigureAwait(false);
                await reader.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
                bytes += reader.Length;
                spent += Math.Max(reader.Length, fileCost);
                checkedCount++;
            }
            catch (CorruptObjectException ex)
            {
                bad.Add(key.FileName);
                LogBad(key.FileName, ex.Message);
            }

            var due = TimeSpan.FromSeconds((double)spent / bytesPerSecond) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken).ConfigureAwait(false);
            }
        }

        if (checkedCount == 0 || _cursor == keys.LastOrDefault())
        {
            _cursor = null;
        }

        return new Report(checkedCount, bytes, bad);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Scrub found {Key} damaged and quarantined it: {Reason}")]
    private partial void LogBad(string key, string reason);
}
