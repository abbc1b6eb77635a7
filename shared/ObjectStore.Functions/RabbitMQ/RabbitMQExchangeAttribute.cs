namespace ObjectStore.Functions.RabbitMQ;

/// <summary>
/// Binds the queue of a RabbitMQ trigger to a fanout exchange, so that every instance hears every message (heartbeats,
/// broadcasts). Not a binding attribute: the SDK ignores it and functions.metadata does not show it. The local host
/// declares the exchange and the queue and binds them; when the trigger's queue name resolves to an empty string it
/// uses a private, server-named queue per process. The Functions host's RabbitMQ extension only consumes an existing
/// queue: there, each instance needs its own queue name in settings, declared and bound beforehand (README).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class RabbitMQExchangeAttribute(string exchange) : Attribute
{
    /// <summary>The fanout exchange; may name a setting as <c>%Name%</c>.</summary>
    public string Exchange { get; } = exchange;
}
