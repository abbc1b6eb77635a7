using Microsoft.Extensions.Logging;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Api;

/// <summary>
/// Rebuilds lost shards or copies. A queue, not an exchange: each request goes to one Api instance, and a request
/// that cannot be completed now is simply found again by the next <see cref="ScanForLostShards"/>.
/// </summary>
public sealed partial class RepairObject(ShardRepairer repairer, ILogger<RepairObject> logger)
{
    [Function(nameof(RepairObject))]
    public async Task Run([RabbitMQTrigger("%ObjectStore:RepairQueue%", ConnectionStringSetting = "RabbitMQConnection")] RepairRequest request, CancellationToken cancellationToken)
    {
        var outcome = await repairer.RepairAsync(request, cancellationToken);
        LogOutcome(request.Hash, outcome, request.Reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Repair of {Hash}: {Outcome} (asked because {Reason})")]
    private partial void LogOutcome(string hash, ShardRepairer.Outcome outcome, string reason);
}
