using ObjectStore.Functions.RabbitMQ;
using ObjectStore.Storage.Cluster;

namespace ObjectStore.Api.Edge;

/// <summary>The domain's <see cref="IControlBus"/> on the host's RabbitMQ connection.</summary>
public sealed class RabbitMQControlBus(RabbitMQBus bus) : IControlBus
{
    public async Task PublishAsync(string exchange, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        try
        {
            await bus.PublishAsync(exchange, body, cancellationToken).ConfigureAwait(false);
        }
        catch (MessageBusUnavailableException ex)
        {
            throw new ControlBusUnavailableException(ex.Message, ex);
        }
    }

    public async Task<IReadOnlyList<byte[]>> RequestAsync(string exchange, ReadOnlyMemory<byte> body, Func<IReadOnlyList<byte[]>, bool> isComplete, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await bus.RequestAsync(exchange, body, isComplete, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (MessageBusUnavailableException ex)
        {
            throw new ControlBusUnavailableException(ex.Message, ex);
        }
    }

    public async Task EnqueueAsync(string queue, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        try
        {
            await bus.EnqueueAsync(queue, body, cancellationToken).ConfigureAwait(false);
        }
        catch (MessageBusUnavailableException ex)
        {
            throw new ControlBusUnavailableException(ex.Message, ex);
        }
    }
}
