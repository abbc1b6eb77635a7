using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.Storage.Cluster;

namespace ObjectStore.Storage.Objects;

/// <summary>
/// Puts repair requests on the durable repair queue, where one Api instance's <c>RepairObject</c> takes each.
/// Best effort and debounced: a read that found a bad shard must not fail or flood the queue because of it.
/// </summary>
public sealed partial class RepairScheduler(IControlBus bus, IOptions<ObjectStoreOptions> options, TimeProvider time, ILogger<RepairScheduler> logger)
{
    private static readonly TimeSpan Debounce = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _recent = new(StringComparer.Ordinal);

    public async Task ScheduleAsync(RepairRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_recent.TryGetValue(request.Hash, out var last) && now - last < Debounce)
        {
            return;
        }

        _recent[request.Hash] = now;
        if (_recent.Count > 10_000)
        {
            _recent.Clear();
        }

        try
        {
            await bus.EnqueueAsync(options.Value.RepairQueue, JsonSerializer.SerializeToUtf8Bytes(request), cancellationToken).ConfigureAwait(false);
            LogScheduled(request.Hash, request.Reason);
        }
        catch (ControlBusUnavailableException ex)
        {
            // The periodic scan finds the object again once the bus is back.
            _recent.TryRemove(request.Hash, out _);
            LogNotScheduled(request.Hash, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair of {Hash} scheduled: {Reason}")]
    private partial void LogScheduled(string hash, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair of {Hash} could not be scheduled now: {Reason}")]
    private partial void LogNotScheduled(string hash, string reason);
}
