using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Timers;
using ObjectStore.Storage;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.DataNode;

/// <summary>Removes temp uploads an Api abandoned (crash, lost connection) once they are older than <c>TempMaxAge</c>, and at start-up those of a previous run.</summary>
public sealed partial class CleanTemp(LocalVolumeStore store, IOptions<ObjectStoreOptions> options, ILogger<CleanTemp> logger)
{
    [Function(nameof(CleanTemp))]
    [RunOnEveryInstance]
    public void Run([TimerTrigger("%ObjectStore:CleanTempSchedule%", RunOnStartup = true)] TimerInfo timer)
    {
        var removed = store.CleanTemp(options.Value.TempMaxAge);
        if (removed > 0)
        {
            LogRemoved(removed);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} abandoned temp uploads")]
    private partial void LogRemoved(int count);
}
