using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ObjectStore.Functions.Hosting;

namespace ObjectStore.Functions.Keys;

/// <summary>
/// The key this app presents to another function app's key-protected routes: the setting <see cref="KeySetting"/>
/// when it is set, otherwise that app's function key <c>default</c> read from <c>azure-webjobs-secrets</c> in this
/// app's own <c>AzureWebJobsStorage</c> — which works where the apps share a storage account, as they do locally.
/// The key read from storage is cached once found, and looked up again while it is not.
/// </summary>
public sealed partial class FunctionAppKey(
    string keySetting,
    string hostIdSetting,
    string defaultHostId,
    IConfiguration configuration,
    ILogger<FunctionAppKey> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _fromStorage;

    public string KeySetting => keySetting;

    public string HostId => configuration[hostIdSetting] is { Length: > 0 } id ? id : defaultHostId;

    public async ValueTask<string?> GetAsync(CancellationToken cancellationToken)
    {
        if (configuration[keySetting] is { Length: > 0 } configured)
        {
            return configured;
        }

        if (_fromStorage is not null)
        {
            return _fromStorage;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _fromStorage ??= (await ReadStoredAsync(cancellationToken).ConfigureAwait(false))?.FunctionKeys.GetValueOrDefault(HostSecrets.DefaultKeyName);
            return _fromStorage;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The other app's stored keys; null when storage is not configured, unreachable, or holds none yet.</summary>
    public async Task<HostSecrets?> ReadStoredAsync(CancellationToken cancellationToken)
    {
        if (configuration[FunctionKeys.StorageSetting] is not { Length: > 0 } connection)
        {
            return null;
        }

        try
        {
            var (secrets, _) = await HostSecrets.ReadAsync(new BlobContainerClient(connection, HostSecrets.Container), HostId, cancellationToken).ConfigureAwait(false);
            return secrets;
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException or IOException or AggregateException)
        {
            LogStorageUnavailable(HostId, ex.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the function keys of host {HostId}: {Reason}")]
    private partial void LogStorageUnavailable(string hostId, string reason);

    /// <summary>
    /// At start: a key set in settings that the other app's stored keys do not contain would only show later as 401s
    /// on every call; stop with a clear error instead. Nothing to check while the other app has no keys stored yet.
    /// </summary>
    internal sealed class StartupCheck(FunctionAppKey key, IConfiguration configuration) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (configuration[key.KeySetting] is not { Length: > 0 } configured)
            {
                return;
            }

            if (HostSecrets.Validate(configured) is { } problem)
            {
                throw new FunctionIndexingException($"Setting '{key.KeySetting}' (local.settings.json Values or environment) is not a usable function key: {problem}.");
            }

            var stored = await key.ReadStoredAsync(cancellationToken).ConfigureAwait(false);
            if (stored is not null && !stored.Accepts(configured, masterOnly: false))
            {
                throw new FunctionIndexingException(
                    $"Setting '{key.KeySetting}' (local.settings.json Values or environment) is not a key of function app '{key.HostId}' "
                    + $"(container {HostSecrets.Container}, blob {HostSecrets.BlobName(key.HostId)}): every call to it would be refused with 401. "
                    + $"Remove the setting to use that app's default key, or set it to one of its keys.");
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
