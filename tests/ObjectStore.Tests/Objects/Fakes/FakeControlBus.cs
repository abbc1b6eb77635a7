using System.Collections.Concurrent;
using System.Text.Json;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Tests.Objects.Fakes;

/// <summary>Records what is put on queues (repair requests) and broadcast; fanout requests get no replies.</summary>
internal sealed class FakeControlBus : IControlBus
{
    public ConcurrentQueue<(string Queue, byte[] Body)> Enqueued { get; } = new();

    public ConcurrentQueue<(string Exchange, byte[] Body)> Published { get; } = new();

    public IEnumerable<RepairRequest> Repairs => Enqueued.Select(e => JsonSerializer.Deserialize<RepairRequest>(e.Body)!);

    /// <summary>Broadcasts fail as they do while RabbitMQ is down.</summary>
    public bool Down { get; set; }

    public Task PublishAsync(string exchange, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        if (Down)
        {
            throw new ControlBusUnavailableException("RabbitMQ is down (fake)");
        }

        Published.Enqueue((exchange, body.ToArray()));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<byte[]>> RequestAsync(string exchange, ReadOnlyMemory<byte> body, Func<IReadOnlyList<byte[]>, bool> isComplete, TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<byte[]>>([]);

    public Task EnqueueAsync(string queue, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        Enqueued.Enqueue((queue, body.ToArray()));
        return Task.CompletedTask;
    }
}
