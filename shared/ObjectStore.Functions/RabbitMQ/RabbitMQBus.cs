using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace ObjectStore.Functions.RabbitMQ;

/// <summary>The control bus is down or unreachable; callers answer 503 or retry later.</summary>
public sealed class MessageBusUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Publishing and scatter-gather request/reply on the process's shared connection. Requests use RabbitMQ's
/// direct reply-to (<c>amq.rabbitmq.reply-to</c>): no reply queue to declare or recover, and replies are
/// matched by correlation id, so many requests can be in flight on one channel.
/// </summary>
public sealed partial class RabbitMQBus(RabbitMQConnections connections, ILogger<RabbitMQBus> logger) : IAsyncDisposable
{
    public const string ConnectionSetting = "RabbitMQConnection";
    private const string DirectReplyTo = "amq.rabbitmq.reply-to";

    /// <summary>How long a caller waits for the broker before it is told the bus is unavailable.</summary>
    private static readonly TimeSpan ConnectWait = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, PendingRequest> _pending = new(StringComparer.Ordinal);
    /// <summary>Exchanges and queues (prefixed <c>queue:</c>) declared on the current channel.</summary>
    private readonly HashSet<string> _declared = new(StringComparer.Ordinal);
    private IChannel? _channel;

    /// <summary>Publishes to a fanout exchange, declaring it first so a fresh broker never rejects the publish.</summary>
    public Task PublishAsync(string exchange, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        SendAsync(exchange, routingKey: string.Empty, new BasicProperties(), body, declareExchange: true, cancellationToken);

    /// <summary>Sends to a durable work queue (declared on first use), for a queue-triggered function somewhere to take.</summary>
    public Task EnqueueAsync(string queue, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        SendAsync(string.Empty, queue, new BasicProperties { Persistent = true }, body, declareExchange: false, cancellationToken, declareQueue: queue);

    /// <summary>Answers a request on its reply-to address.</summary>
    public Task ReplyAsync(string replyTo, string? correlationId, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        SendAsync(string.Empty, replyTo, new BasicProperties { CorrelationId = correlationId }, body, declareExchange: false, cancellationToken);

    /// <summary>
    /// Publishes a request to a fanout exchange and gathers replies until <paramref name="isComplete"/> holds
    /// or <paramref name="timeout"/> passes, whichever comes first; a timeout is not an error, the replies so far are the answer.
    /// </summary>
    public async Task<IReadOnlyList<byte[]>> RequestAsync(
        string exchange,
        ReadOnlyMemory<byte> body,
        Func<IReadOnlyList<byte[]>, bool> isComplete,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var correlationId = Guid.NewGuid().ToString("N");
        var pending = new PendingRequest(isComplete);
        _pending[correlationId] = pending;
        try
        {
            var properties = new BasicProperties { ReplyTo = DirectReplyTo, CorrelationId = correlationId };
            await SendAsync(exchange, string.Empty, properties, body, declareExchange: true, cancellationToken).ConfigureAwait(false);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await pending.Completed.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Silent responders are expected (a node may have just died): the replies so far are the answer.
            }

            return pending.Snapshot();
        }
        finally
        {
            _pending.TryRemove(correlationId, out _);
        }
    }

    private async Task SendAsync(
        string exchange,
        string routingKey,
        BasicProperties properties,
        ReadOnlyMemory<byte> body,
        bool declareExchange,
        CancellationToken cancellationToken,
        string? declareQueue = null)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var channel = await GetChannelAsync(cancellationToken).ConfigureAwait(false);
            if (declareExchange && _declared.Add(exchange))
            {
                await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            if (declareQueue is not null && _declared.Add("queue:" + declareQueue))
            {
                await channel.QueueDeclareAsync(declareQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, body, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            throw new MessageBusUnavailableException($"RabbitMQ is unavailable: {ex.Message}", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IChannel> GetChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true })
        {
            return _channel;
        }

        IConnection connection;
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            wait.CancelAfter(ConnectWait);
            try
            {
                connection = await connections.GetAsync(ConnectionSetting, wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new MessageBusUnavailableException("RabbitMQ is not reachable yet.");
            }
        }

        if (!connection.IsOpen)
        {
            throw new MessageBusUnavailableException("RabbitMQ connection is down; it is recovering.");
        }

        // A channel closed by the broker (not by a lost connection) is not recovered: open a new one.
        if (_channel is not null)
        {
            await _channel.DisposeAsync().ConfigureAwait(false);
        }

        _declared.Clear();
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += OnReplyAsync;
        await channel.BasicConsumeAsync(DirectReplyTo, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
        _channel = channel;
        return channel;
    }

    private Task OnReplyAsync(object sender, BasicDeliverEventArgs delivery)
    {
        if (delivery.BasicProperties.CorrelationId is { } id && _pending.TryGetValue(id, out var pending))
        {
            pending.Add(delivery.Body.ToArray());
        }
        else
        {
            LogLateReply(delivery.BasicProperties.CorrelationId);
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync().ConfigureAwait(false);
        }

        _gate.Dispose();
    }

    private sealed class PendingRequest(Func<IReadOnlyList<byte[]>, bool> isComplete)
    {
        private readonly List<byte[]> _replies = [];

        public TaskCompletionSource Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Add(byte[] reply)
        {
            lock (_replies)
            {
                _replies.Add(reply);
                if (isComplete(_replies))
                {
                    Completed.TrySetResult();
                }
            }
        }

        public IReadOnlyList<byte[]> Snapshot()
        {
            lock (_replies)
            {
                return _replies.ToArray();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reply {CorrelationId} arrived after its request completed")]
    private partial void LogLateReply(string? correlationId);
}
