using System.Net.Http.Json;

namespace ObjectStore.FileSystem.Data;

/// <summary>
/// Free space of the store for statfs: the live data nodes' free bytes as the Api's <c>GET /nodes</c> reports them,
/// each filesystem counted once (six nodes on one disk have that disk's free space, not six times it), reused for a
/// few seconds (df in a loop must not hammer the Api).
/// </summary>
public sealed class ClusterCapacity(HttpClient http, TimeProvider time, TimeSpan cacheTime)
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (long FreeBytes, DateTimeOffset At)? _last;

    private sealed record NodeInfo(string Address, long FreeBytes, string? Volume);

    /// <summary>Free bytes on the live data nodes; the last known value (or 0) if the Api cannot be reached.</summary>
    public async Task<long> FreeBytesAsync(CancellationToken cancellationToken)
    {
        if (_last is { } last && time.GetUtcNow() - last.At < cacheTime)
        {
            return last.FreeBytes;
        }

        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_last is { } again && time.GetUtcNow() - again.At < cacheTime)
            {
                return again.FreeBytes;
            }

            var nodes = await http.GetFromJsonAsync<List<NodeInfo>>("nodes", cancellationToken).ConfigureAwait(false) ?? [];
            var free = SumOverVolumes(nodes);
            _last = (free, time.GetUtcNow());
            return free;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested
            && e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
        {
            return _last?.FreeBytes ?? 0;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>
    /// Free bytes of distinct filesystems: nodes reporting the same volume share one figure (the largest, the freshest
    /// being unknown here); a node without a volume identity (an older node) counts on its own.
    /// </summary>
    private static long SumOverVolumes(List<NodeInfo> nodes) =>
        nodes.GroupBy(n => n.Volume ?? "node:" + n.Address, StringComparer.Ordinal).Sum(g => g.Max(n => Math.Max(0, n.FreeBytes)));
}
