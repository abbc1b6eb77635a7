using Microsoft.Extensions.Logging;

namespace ObjectStore.Mount;

/// <summary>The mount program's own log lines.</summary>
internal static partial class MountLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Collecting deleted slices failed: {Error}")]
    public static partial void CollectFailed(ILogger logger, string error);
}
