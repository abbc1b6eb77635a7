using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ObjectStore.Functions.Timers;

/// <summary>
/// The singleton lock of Azure Functions: a blob lease on <c>azure-webjobs-hosts/locks/{hostId}/{function}</c>
/// in <c>AzureWebJobsStorage</c>. An instance runs a singleton function only while it holds the lease, and
/// renews it while the function runs, so two instances of an app never run the same timer at once.
/// </summary>
public sealed partial class SingletonLock(IConfiguration configuration, ILogger<SingletonLock> logger)
{
    public const string StorageSetting = "AzureWebJobsStorage";

    /// <summary>Same bounds as Azure: leases are 15–60 s.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(15);

    private readonly Lazy<BlobContainerClient> _container = new(() =>
        new BlobContainerClient(
            configuration[StorageSetting] ?? throw new InvalidOperationException($"Setting '{StorageSetting}' is not configured."),
            "azure-webjobs-hosts"));

    private readonly string _owner = Guid.NewGuid().ToString();
    private bool _containerReady;

    /// <summary>Takes or renews the lease; null when another instance holds it or storage is unreachable.</summary>
    public async Task<Lease?> TryAcquireAsync(string hostId, string functionName, CancellationToken cancellationToken)
    {
        try
        {
            var blob = _container.Value.GetBlobClient($"locks/{hostId}/{functionName}");
            if (!_containerReady)
            {
                await _container.Value.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                _containerReady = true;
            }

            var leaseClient = blob.GetBlobLeaseClient(_owner);
            try
            {
                await leaseClient.AcquireAsync(LeaseDuration, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                await blob.UploadAsync(BinaryData.Empty, overwrite: false, cancellationToken).ConfigureAwait(false);
                await leaseClient.AcquireAsync(LeaseDuration, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            return new Lease(leaseClient);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // 409 on acquire: another instance holds the lease (or won the race to create the blob).
            return null;
        }
        catch (Exception ex) when (ex is RequestFailedException or AggregateException or HttpRequestException or IOException)
        {
            LogStorageUnavailable(functionName, ex.Message);
            return null;
        }
    }

    /// <summary>A held lease; renewal runs in the background until disposed, then the lease is left to expire so late peers skip the same tick.</summary>
    public sealed class Lease : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewal;

        internal Lease(BlobLeaseClient client)
        {
            _renewal = RenewAsync(client, _stop.Token);
        }

        private static async Task RenewAsync(BlobLeaseClient client, CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(LeaseDuration / 3, cancellationToken).ConfigureAwait(false);
                    await client.RenewAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (RequestFailedException)
                {
                    // Lost the lease (storage restarted); the function finishes, the next tick re-acquires.
                    return;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _renewal.ConfigureAwait(false);
            _stop.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Singleton lock for {Function} unavailable, skipping this run: {Reason}")]
    private partial void LogStorageUnavailable(string function, string reason);
}
