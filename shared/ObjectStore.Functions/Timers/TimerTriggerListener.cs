using Cronos;
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
            await RunOnceAsync(new TimerInfo(null, last.Value, schedule.GetNextOccurrence(last.Value, TimeZoneInfo.Utc), false), stoppingToken).ConfigureAwait(false);
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
            var info = new TimerInfo(last, due.Value, schedule.GetNextOccurrence(due.Value, TimeZoneInfo.Utc), IsPastDue: started - due.Value > TimeSpan.FromSeconds(1));
            last = due;
            await RunOnceAsync(info, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task RunOnceAsync(TimerInfo info, CancellationToken stoppingToken)
    {
        SingletonLock.Lease? lease = null;
        if (_trigger.Singleton)
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
            await function.InvokeAsync(services, info, bindExtra: null, timeout.Token).ConfigureAwait(false);
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
