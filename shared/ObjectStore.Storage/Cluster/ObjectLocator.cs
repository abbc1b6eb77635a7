using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.Functions.RabbitMQ;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Storage.Cluster;

/// <summary>
/// Finds the data nodes holding a content hash by asking all of them on the <c>dataServers</c> exchange.
/// Unlike the article it does not always wait the full second: a round ends as soon as enough holders have
/// answered or every live node has, so a miss costs one round trip; the timeout only covers silent nodes.
/// </summary>
public sealed partial class ObjectLocator(
    RabbitMQBus bus,
    NodeRegistry registry,
    IOptions<ObjectStoreOptions> options,
    ILogger<ObjectLocator> logger)
{
    /// <param name="enoughHolders">Stop once this many holders answered; <see cref="int.MaxValue"/> to hear every node.</param>
    public async Task<IReadOnlyList<string>> LocateAsync(ContentHash hash, int enoughHolders, CancellationToken cancellationToken)
    {
        var liveCount = registry.LiveNodes().Count;
        if (liveCount == 0)
        {
            return [];
        }

        var request = JsonSerializer.SerializeToUtf8Bytes(new LocateRequest(hash.Hex), ClusterJson.Default.LocateRequest);
        var replies = await bus.RequestAsync(
            options.Value.LocateExchange,
            request,
            received => received.Count >= liveCount || Holders(received, hash).Count() >= enoughHolders,
            options.Value.LocateTimeout,
            cancellationToken).ConfigureAwait(false);
        return Holders(replies, hash).Distinct(StringComparer.Ordinal).ToList();
    }

    private IEnumerable<string> Holders(IEnumerable<byte[]> replies, ContentHash hash)
    {
        foreach (var body in replies)
        {
            LocateReply? reply;
            try
            {
                reply = JsonSerializer.Deserialize(body, ClusterJson.Default.LocateReply);
            }
            catch (JsonException ex)
            {
                LogMalformedReply(ex.Message);
                continue;
            }

            if (reply is { Found: true } && reply.Hash == hash.Hex && !string.IsNullOrEmpty(reply.Address))
            {
                yield return reply.Address;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring a malformed locate reply: {Reason}")]
    private partial void LogMalformedReply(string reason);
}
