namespace ObjectStore.Functions;

/// <summary>
/// Binds a message from RabbitMQ: either a durable queue (<see cref="QueueName"/>), or a fanout
/// <see cref="Exchange"/> to which the host binds an exclusive queue of its own, so that every instance
/// of the app sees every message. The parameter may be <c>string</c>, <c>byte[]</c>,
/// <c>ReadOnlyMemory&lt;byte&gt;</c>, <see cref="RabbitMQMessage"/> or a type deserialized from JSON.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class RabbitMQTriggerAttribute : TriggerAttribute
{
    public RabbitMQTriggerAttribute(string queueName) => QueueName = queueName;

    public RabbitMQTriggerAttribute() { }

    public string? QueueName { get; init; }

    /// <summary>A fanout exchange; the host declares it and binds an exclusive, auto-delete queue to it.</summary>
    public string? Exchange { get; init; }

    /// <summary>Name of the setting that holds the AMQP URI, never the URI itself.</summary>
    public string ConnectionStringSetting { get; init; } = "RabbitMQConnection";

    public override string Kind => "rabbitMQTrigger";
}
