namespace ObjectStore.Functions;

/// <summary>A delivered message with the properties a request/reply function needs.</summary>
public sealed record RabbitMQMessage(
    ReadOnlyMemory<byte> Body,
    string? ReplyTo,
    string? CorrelationId,
    string Exchange,
    string RoutingKey,
    int RetryCount);
