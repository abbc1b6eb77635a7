namespace ObjectStore.Functions;

/// <summary>
/// Runs a function on a six-field NCRONTAB schedule (<c>{second} {minute} {hour} {day} {month} {day-of-week}</c>).
/// The schedule may name a setting as <c>%SettingName%</c>. Like Azure Functions, timers are singletons by
/// default: an instance runs the function only while it holds a blob lease in <c>AzureWebJobsStorage</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class TimerTriggerAttribute(string schedule) : TriggerAttribute
{
    public string Schedule { get; } = schedule;

    public bool RunOnStartup { get; init; }

    /// <summary>
    /// When false every instance runs the function; right for work on instance-local state
    /// (an in-memory registry, a node's own disk), where a lease would leave other instances stale.
    /// </summary>
    public bool Singleton { get; init; } = true;

    public override string Kind => "timerTrigger";
}
