namespace ObjectStore.Functions;

/// <summary>What a timer function learns about its schedule.</summary>
public sealed record TimerInfo(DateTimeOffset? Last, DateTimeOffset ScheduledFor, DateTimeOffset? Next, bool IsPastDue);
