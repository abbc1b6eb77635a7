using dotnet_etcd;
using Etcdserverpb;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ObjectStore.Storage.Metadata;

/// <summary>
/// Keeps this Api instance's metadata cache coherent with the other instances' writes: one etcd watch on the heads
/// (every put carries the new latest version, every delete drops a name) and one on version deletions (retention). A
/// broken watch is restarted with back-off on the next member (its own may be the one that went away); since it may
/// have missed changes, the cache's latest versions are dropped then, and until it is back the cache TTL bounds staleness.
/// </summary>
public sealed partial class EtcdMetadataWatch(EtcdConnection etcd, EtcdMetadataStore store, CachingMetadataStore cache, ILogger<EtcdMetadataWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            var client = etcd.Client;
            try
            {
                await WatchAsync(client, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(100);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException)
            {
                LogWatchBroken(ex.Message, delay);
                etcd.Unreachable(client);
                cache.ForgetAllLatest();
                await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private async Task WatchAsync(EtcdClient client, CancellationToken stoppingToken)
    {
        var keys = store.Keys;
        using var call = client.GetConnection().WatchClient.Watch(cancellationToken: stoppingToken);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = keys.HeadPrefix, RangeEnd = EtcdKeys.RangeEnd(keys.HeadPrefix), WatchId = 1 },
        }, stoppingToken).ConfigureAwait(false);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest
            {
                Key = keys.VersionPrefix,
                RangeEnd = EtcdKeys.RangeEnd(keys.VersionPrefix),
                WatchId = 2,
                Filters = { WatchCreateRequest.Types.FilterType.Noput },
            },
        }, stoppingToken).ConfigureAwait(false);

        var started = false;
        await foreach (var response in call.ResponseStream.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            if (response.Created && !started)
            {
                // From here on nothing is missed: whatever was cached before may be stale.
                started = true;
                cache.ForgetAllLatest();
                LogWatching(etcd.EndpointOf(client));
            }

            if (response.Canceled || response.CompactRevision != 0)
            {
                throw new InvalidOperationException($"etcd cancelled the watch: {response.CancelReason} (compacted at {response.CompactRevision})");
            }

            foreach (var change in response.Events)
            {
                if (response.WatchId == 1)
                {
                    var name = keys.NameOfHead(change.Kv.Key);
                    cache.Observe(name, change.Type == Mvccpb.Event.Types.EventType.Put ? EtcdMetadataStore.ReadVersion(change.Kv).ToVersion(name) : null);
                }
                else
                {
                    var (name, version) = keys.ParseVersion(change.Kv.Key);
                    cache.ForgetVersion(name, version);
                }
            }
        }

        throw new InvalidOperationException("etcd closed the watch stream");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching etcd for metadata changes on {Member}")]
    private partial void LogWatching(string member);

    [LoggerMessage(Level = LogLevel.Warning, Message = "etcd metadata watch broken ({Reason}); cached latest versions dropped, retrying in {Delay}")]
    private partial void LogWatchBroken(string reason, TimeSpan delay);
}
