using System.Reflection;
using Cronos;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ObjectStore.Functions.Hosting;

namespace ObjectStore.Functions.Timers;

/// <summary>Runs one timer function on its schedule; a failed run is logged and the schedule goes on.</summary>
internal sealed partial class TimerTriggerListener(
    FunctionDescriptor function,
    IServiceProvider services,
    IConfiguration configuration,
    SingletonLock singletonLock,
    FunctionHostOptions options,
    TimeProvider time,
    ILogger<TimerTriggerListener> logger) : BackgroundService
{
    private readonly TimerTriggerAttribute _trigger = (TimerTriggerAttribute)function.Trigger;
    private readonly bool _singleton = function.Method.GetCustomAttribute<RunOnEveryInstanceAttribute>() is null;

    private static readonly IReadOnlyDictionary<string, object?> NoBindingData = new Dictionary<string, object?>();

    internal static CronExpression ParseSchedule(string schedule, IConfiguration configuration)
    {
        var resolved = SettingExpression.Resolve(schedule, configuration);
        try
        {
            return CronExpression.Parse(resolved, CronFormat.IncludeSeconds);
        }
        catch (CronFormatException ex)
        {
            throw new FunctionIndexingException($"Timer schedule '{resolved}' is not a six-field NCRONTAB expression: {ex.Message}");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var schedule = ParseSchedule(_trigger.Schedule, configuration);
        DateTimeOffset? last = null;
        if (_trigger.RunOnStartup)
        {
            last = time.GetUtcNow();
            await RunOnceAsync(Info(null, schedule.GetNextOccurrence(last.Value, TimeZoneInfo.Utc), last.Value, isPastDue: false), stoppingToken).ConfigureAwait(false);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var due = schedule.GetNextOccurrence(now, TimeZoneInfo.Utc);
            if (due is null)
            {
                return;
            }

            try
            {
                await Task.Delay(due.Value - now, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var started = time.GetUtcNow();
            var info = Info(last, schedule.GetNextOccurrence(due.Value, TimeZoneInfo.Utc), started, isPastDue: started - due.Value > TimeSpan.FromSeconds(1));
            last = due;
            await RunOnceAsync(info, stoppingToken).ConfigureAwait(false);
        }
    }

    private static TimerInfo Info(DateTimeOffset? last, DateTimeOffset? next, DateTimeOffset now, bool isPastDue) => new()
    {
        IsPastDue = isPastDue,
        ScheduleStatus = new ScheduleStatus
        {
            Last = last?.UtcDateTime ?? default,
            Next = next?.UtcDateTime ?? default,
            LastUpdated = now.UtcDateTime,
        },
    };

    private async Task RunOnceAsync(TimerInfo info, CancellationToken stoppingToken)
    {
        SingletonLock.Lease? lease = null;
        if (_singleton)
        {
            lease = await singletonLock.TryAcquireAsync(options.HostId, function.Name, stoppingToken).ConfigureAwait(false);
            if (lease is null)
            {
                LogSkipped(function.Name);
                return;
            }
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(options.FunctionTimeout);
            await function.InvokeAsync(services, info, NoBindingData, bindExtra: null, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogFailed(ex, function.Name);
        }
        finally
        {
            if (lease is not null)
            {
                await lease.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Function} skipped: another instance holds its singleton lock")]
    private partial void LogSkipped(string function);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function} failed")]
    private partial void LogFailed(Exception exception, string function);
}
