namespace ObjectStore.Storage.Cluster;

/// <summary>The control bus as the domain needs it: fanout broadcasts, fanout requests with replies, and a durable work queue.</summary>
public interface IControlBus
{
    /// <summary>Publishes <paramref name="body"/> on a fanout exchange to whoever listens now; nobody answers.</summary>
    Task PublishAsync(string exchange, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes <paramref name="body"/> on a fanout exchange and gathers replies until <paramref name="isComplete"/>
    /// holds for them or <paramref name="timeout"/> passes.
    /// </summary>
    Task<IReadOnlyList<byte[]>> RequestAsync(string exchange, ReadOnlyMemory<byte> body, Func<IReadOnlyList<byte[]>, bool> isComplete, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Puts a message on a durable queue, declared if needed.</summary>
    Task EnqueueAsync(string queue, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);
}

/// <summary>The control bus cannot be reached now; requests that need it fail with 503.</summary>
public sealed class ControlBusUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
