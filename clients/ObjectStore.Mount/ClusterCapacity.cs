using System.Net.Http.Json;

namespace ObjectStore.Mount;

/// <summary>
/// Free space of the store for statfs: the sum of the live data nodes' free bytes as the Api's <c>GET /nodes</c> reports
/// them, reused for a few seconds (df in a loop must not hammer the Api).
/// </summary>
public sealed class ClusterCapacity(HttpClient http, TimeProvider time, TimeSpan cacheTime)
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (long FreeBytes, DateTimeOffset At)? _last;

    private sealed record NodeInfo(string Address, long FreeBytes);

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
            var free = nodes.Sum(n => Math.Max(0, n.FreeBytes));
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
}
