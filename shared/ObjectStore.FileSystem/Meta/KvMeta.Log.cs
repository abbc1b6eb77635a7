using Microsoft.Extensions.Logging;

namespace ObjectStore.FileSystem.Meta;

public sealed partial class KvMeta
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Formatted volume {Volume}: root directory 1, owned by root, mode 0755")]
    private partial void LogFormatted(string volume);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session} started on volume {Volume}")]
    private partial void LogSessionStarted(long session, string volume);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {Session} closed; commits that shared an etcd transaction: {GroupedCommits} in {Groups} transactions, {FellBack} of which fell back to single commits; reads that shared a round trip: {GroupedReads} in {ReadGroups}")]
    private partial void LogSessionClosed(long session, long groupedCommits, long groups, long fellBack, long groupedReads, long readGroups);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {Session} expired while this mount was alive (the store was unreachable longer than the session TTL); registering again")]
    private partial void LogSessionExpired(long session);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keeping the session alive failed; will retry")]
    private partial void LogKeepAliveFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Adding usage statistics to the shared counters failed; will retry")]
    private partial void LogStatisticsFlushFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} files left open-but-unlinked by dead sessions")]
    private partial void LogDeadSessionsCleaned(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The metadata store is unavailable, retrying within the operation bound: {Reason}")]
    private partial void LogStoreUnavailable(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cleanup of deleted data deferred to the next pass: {Reason}")]
    private partial void LogCleanupDeferred(string reason);
}
