using Azure;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ObjectStore.Functions.Hosting;

namespace ObjectStore.Functions.Keys;

/// <summary>Why a request may not run a function.</summary>
public enum KeyCheck
{
    Allowed,
    Missing,
    Wrong,
}

/// <summary>
/// This app's host keys, as the Functions host manages them: loaded from <c>azure-webjobs-secrets</c> at start, created
/// there on the first start (a random master key and function key <c>default</c>). Settings
/// <c>FunctionsHostKeys:master</c> and <c>FunctionsHostKeys:{name}</c> (local.settings.json <c>Values</c>, environment)
/// set keys instead; a malformed one stops the start with the setting's name. Function-level routes take the master key
/// or any function key, admin-level routes only the master key, in <c>x-functions-key</c> or <c>?code=</c>.
/// </summary>
public sealed partial class FunctionKeys(IConfiguration configuration, FunctionHostOptions options, ILogger<FunctionKeys> logger)
{
    public const string SettingsSection = "FunctionsHostKeys";
    public const string HeaderName = "x-functions-key";
    public const string QueryName = "code";
    public const string StorageSetting = "AzureWebJobsStorage";

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private HostSecrets? _secrets;

    public HostSecrets Secrets => _secrets ?? throw new InvalidOperationException("Function keys are not loaded yet.");

    /// <summary>The configured keys, checked: fails with the setting's name on a malformed one.</summary>
    public static IReadOnlyDictionary<string, string> ConfiguredKeys(IConfiguration configuration)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in configuration.GetSection(SettingsSection).GetChildren())
        {
            if (string.IsNullOrEmpty(setting.Value))
            {
                continue;
            }

            if (HostSecrets.Validate(setting.Value) is { } problem)
            {
                throw new FunctionIndexingException(
                    $"Setting '{SettingsSection}__{setting.Key}' (local.settings.json Values or environment) is not a usable function key: {problem}.");
            }

            keys[setting.Key] = setting.Value;
        }

        return keys;
    }

    /// <summary>Reads, creates or updates the stored keys; waits (with backoff) while storage is unreachable.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var configured = ConfiguredKeys(configuration);
        var connection = configuration[StorageSetting];
        if (string.IsNullOrWhiteSpace(connection))
        {
            throw new FunctionIndexingException($"Setting '{StorageSetting}' is needed to keep function keys (container {HostSecrets.Container}).");
        }

        var container = new BlobContainerClient(connection, HostSecrets.Container);
        var backoff = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                var (stored, etag) = await HostSecrets.ReadAsync(container, options.HostId, cancellationToken).ConfigureAwait(false);
                var wanted = Merge(stored, configured);
                if (wanted == stored || await wanted.TryWriteAsync(container, options.HostId, etag, cancellationToken).ConfigureAwait(false))
                {
                    _secrets = wanted;
                    LogLoaded(options.HostId, HostSecrets.Container, stored is null ? "created" : wanted == stored ? "loaded" : "updated from settings");
                    return;
                }

                // Another instance of the app wrote first (they share the host id): read again.
            }
            catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or IOException or AggregateException && !cancellationToken.IsCancellationRequested)
            {
                LogStorageUnavailable(backoff.TotalMilliseconds, ex.Message);
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>Stored keys with the configured ones laid over them; the same instance when nothing changes.</summary>
    internal static HostSecrets Merge(HostSecrets? stored, IReadOnlyDictionary<string, string> configured)
    {
        var master = configured.GetValueOrDefault(HostSecrets.MasterKeyName) ?? stored?.MasterKey ?? HostSecrets.NewKey();
        var keys = new Dictionary<string, string>(stored?.FunctionKeys ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (name, value) in configured.Where(k => k.Key != HostSecrets.MasterKeyName))
        {
            keys[name] = value;
        }

        if (keys.Count == 0)
        {
            keys[HostSecrets.DefaultKeyName] = HostSecrets.NewKey();
        }

        var unchanged = stored is not null && stored.MasterKey == master && keys.Count == stored.FunctionKeys.Count
            && keys.All(k => stored.FunctionKeys.TryGetValue(k.Key, out var v) && v == k.Value);
        return unchanged ? stored! : new HostSecrets(master, keys);
    }

    public KeyCheck Check(AuthorizationLevel level, string? presented) => Check(Secrets, level, presented);

    internal static KeyCheck Check(HostSecrets secrets, AuthorizationLevel level, string? presented)
    {
        if (level == AuthorizationLevel.Anonymous)
        {
            return KeyCheck.Allowed;
        }

        if (string.IsNullOrEmpty(presented))
        {
            return KeyCheck.Missing;
        }

        var masterOnly = level is AuthorizationLevel.Admin or AuthorizationLevel.System;
        return secrets.Accepts(presented, masterOnly) ? KeyCheck.Allowed : KeyCheck.Wrong;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Function keys of host {HostId} {How} (container {Container})")]
    private partial void LogLoaded(string hostId, string container, string how);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function keys: storage unreachable, retrying in {DelayMs} ms: {Reason}")]
    private partial void LogStorageUnavailable(double delayMs, string reason);
}
