using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ObjectStore.Functions.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace ObjectStore.Functions.RabbitMQ;

/// <summary>
/// Feeds one RabbitMQ-triggered function. Acks only after the function succeeds; a failure is re-queued with a
/// retry count in a header (so the broker does not spin on it) up to <see cref="FunctionHostOptions.MaxDeliveryRetries"/>,
/// then the message goes to the durable <c>{function}-poison</c> queue. A message that cannot be bound
/// (malformed JSON) goes to the poison queue at once: retrying cannot fix it. The function gets the delivery's
/// properties as the RabbitMQ extension gives them, in <see cref="FunctionContext.BindingContext"/>.
/// </summary>
internal sealed partial class RabbitMQTriggerListener(
    FunctionDescriptor function,
    IServiceProvider services,
    RabbitMQConnections connections,
    FunctionHostOptions options,
    Microsoft.Extensions.Configuration.IConfiguration configuration,
    ILogger<RabbitMQTriggerListener> logger) : BackgroundService
{
    internal const string RetryHeader = RabbitMQBindingData.RetryHeader;
    internal const string DefaultConnectionSetting = "RabbitMQConnection";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _connectionSetting = ((RabbitMQTriggerAttribute)function.Trigger).ConnectionStringSetting ?? DefaultConnectionSetting;
    private readonly string? _exchange = function.TriggerParameter.GetCustomAttribute<RabbitMQExchangeAttribute>() is { } binding
        ? SettingExpression.Resolve(binding.Exchange, configuration)
        : null;
    private readonly string _queueName = SettingExpression.Resolve(((RabbitMQTriggerAttribute)function.Trigger).QueueName, configuration);
    private IChannel? _channel;
    private volatile string _queue = string.Empty;

    internal string PoisonQueue => $"{function.Name}-poison";

    /// <summary>Fails at start-up on a trigger this host cannot serve, rather than silently never firing.</summary>
    internal static void Check(FunctionDescriptor function, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var queue = SettingExpression.Resolve(((RabbitMQTriggerAttribute)function.Trigger).QueueName, configuration);
        var exchange = function.TriggerParameter.GetCustomAttribute<RabbitMQExchangeAttribute>();
        if (exchange is not null)
        {
            SettingExpression.Resolve(exchange.Exchange, configuration);
        }
        else if (queue.Length == 0)
        {
            throw new FunctionIndexingException($"Function '{function.Name}': its queue name is empty.");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IConnection connection;
        try
        {
            connection = await connections.GetAsync(_connectionSetting, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        connection.QueueNameChangedAfterRecoveryAsync += (_, args) =>
        {
            if (args.NameBefore == _queue)
            {
                _queue = args.NameAfter;
            }

            return Task.CompletedTask;
        };

        // Declaring may race a broker restart; keep trying until the topology is in place.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DeclareAndConsumeAsync(connection, stoppingToken).ConfigureAwait(false);
                LogListening(function.Name, _exchange ?? _queueName, _queue);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogDeclareFailed(function.Name, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task DeclareAndConsumeAsync(IConnection connection, CancellationToken cancellationToken)
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync().ConfigureAwait(false);
        }

        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        _channel = channel;
        await channel.BasicQosAsync(0, options.PrefetchCount, global: false, cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(PoisonQueue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (_exchange is { } exchange)
        {
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
            // An empty name: a private server-named queue that goes with the connection. A name: this instance's own
            // queue (the name must differ per instance), deleted with its last consumer.
            var declared = _queueName.Length == 0
                ? await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await channel.QueueDeclareAsync(_queueName, durable: false, exclusive: false, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            _queue = declared.QueueName;
            await channel.QueueBindAsync(_queue, exchange, string.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _queue = _queueName;
            await channel.QueueDeclareAsync(_queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => HandleAsync(channel, delivery, cancellationToken);
        await channel.BasicConsumeAsync(_queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
    }

    private async Task HandleAsync(IChannel channel, BasicDeliverEventArgs delivery, CancellationToken stoppingToken)
    {
        var retryCount = ReadRetryCount(delivery.BasicProperties);
        var body = delivery.Body.ToArray();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(options.FunctionTimeout);
            var value = Bind(body);
            await function.InvokeAsync(services, value, BindingData(delivery), bindExtra: null, timeout.Token).ConfigureAwait(false);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: leave the message unacked so the broker redelivers it to a live consumer.
        }
        catch (FunctionBindingException ex)
        {
            LogMalformed(function.Name, ex.Message);
            await DeadLetterAsync(channel, delivery, body, retryCount, ex.Message, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (retryCount < options.MaxDeliveryRetries)
            {
                LogRetry(ex, function.Name, retryCount + 1, options.MaxDeliveryRetries);
                var properties = CopyProperties(delivery.BasicProperties, retryCount + 1, reason: null);
                await channel.BasicPublishAsync(string.Empty, _queue, mandatory: false, properties, body, stoppingToken).ConfigureAwait(false);
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, stoppingToken).ConfigureAwait(false);
            }
            else
            {
                LogGiveUp(ex, function.Name, retryCount);
                await DeadLetterAsync(channel, delivery, body, retryCount, ex.Message, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The keys of the RabbitMQ extension's binding data; the properties as JSON, as the worker receives them.</summary>
    private static Dictionary<string, object?> BindingData(BasicDeliverEventArgs delivery)
    {
        var properties = delivery.BasicProperties;
        var headers = properties.Headers?.ToDictionary(
            h => h.Key,
            h => h.Value switch
            {
                byte[] bytes => (object?)Encoding.UTF8.GetString(bytes),
                var other => other,
            });
        var json = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["ReplyTo"] = properties.ReplyTo,
            ["CorrelationId"] = properties.CorrelationId,
            ["ContentType"] = properties.ContentType,
            ["MessageId"] = properties.MessageId,
            ["Headers"] = headers,
        });
        return new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["ConsumerTag"] = delivery.ConsumerTag,
            ["DeliveryTag"] = delivery.DeliveryTag.ToString(CultureInfo.InvariantCulture),
            ["Redelivered"] = delivery.Redelivered ? "true" : "false",
            ["Exchange"] = delivery.Exchange,
            ["RoutingKey"] = delivery.RoutingKey,
            [RabbitMQBindingData.BasicProperties] = json,
        };
    }

    private async Task DeadLetterAsync(IChannel channel, BasicDeliverEventArgs delivery, byte[] body, int retryCount, string reason, CancellationToken cancellationToken)
    {
        var properties = CopyProperties(delivery.BasicProperties, retryCount, reason);
        await channel.BasicPublishAsync(string.Empty, PoisonQueue, mandatory: false, properties, body, cancellationToken).ConfigureAwait(false);
        await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The payload types the worker's default converters bind: text, bytes, or a type read from JSON.</summary>
    private object? Bind(byte[] body)
    {
        var type = function.TriggerParameter.ParameterType;
        if (type == typeof(ReadOnlyMemory<byte>))
        {
            return new ReadOnlyMemory<byte>(body);
        }

        if (type == typeof(byte[]))
        {
            return body;
        }

        try
        {
            if (type == typeof(string))
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
            }

            return JsonSerializer.Deserialize(body, type, Json)
                ?? throw new FunctionBindingException($"Message for '{function.Name}' is JSON null; expected {type.Name}.");
        }
        catch (Exception ex) when (ex is JsonException or DecoderFallbackException or NotSupportedException)
        {
            throw new FunctionBindingException($"Message for '{function.Name}' is not a valid {type.Name}: {ex.Message}", ex);
        }
    }

    private static int ReadRetryCount(IReadOnlyBasicProperties properties) =>
        properties.Headers?.TryGetValue(RetryHeader, out var value) == true && value is int count ? count : 0;

    private static BasicProperties CopyProperties(IReadOnlyBasicProperties source, int retryCount, string? reason)
    {
        var headers = source.Headers is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(source.Headers);
        headers[RetryHeader] = retryCount;
        if (reason is not null)
        {
            headers["x-objectstore-error"] = reason.Length > 500 ? reason[..500] : reason;
        }

        return new BasicProperties
        {
            ReplyTo = source.ReplyTo,
            CorrelationId = source.CorrelationId,
            ContentType = source.ContentType,
            Headers = headers,
        };
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_channel is not null)
        {
            await _channel.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Function} listening on {Source} (queue {Queue})")]
    private partial void LogListening(string function, string source, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function} could not declare its queue: {Reason}; retrying")]
    private partial void LogDeclareFailed(string function, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function} got a malformed message, dead-lettered: {Reason}")]
    private partial void LogMalformed(string function, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Function} failed; retry {Retry} of {MaxRetries}")]
    private partial void LogRetry(Exception exception, string function, int retry, int maxRetries);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function} failed after {Retries} retries; message moved to the poison queue")]
    private partial void LogGiveUp(Exception exception, string function, int retries);
}
