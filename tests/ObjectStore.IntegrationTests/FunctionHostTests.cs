using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Hosting;
using ObjectStore.Functions.RabbitMQ;
using ObjectStore.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace ObjectStore.IntegrationTests;

/// <summary>The function host's RabbitMQ and timer bindings on the real broker and the real Azurite, in process.</summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class FunctionHostTests(InfraFixture infra)
{
    public sealed class Journal
    {
        public ConcurrentQueue<string> Calls { get; } = new();

        public ConcurrentQueue<(string Host, DateTime Start, DateTime End)> Runs { get; } = new();
    }

    public sealed class QueueFunctions(Journal journal)
    {
        [Function("HostTestFlaky")]
        public void Flaky([RabbitMQTrigger("%TestQueue%")] string message, FunctionContext context)
        {
            journal.Calls.Enqueue($"{message}#{RabbitMQBindingData.Properties(context).RetryCount}");
            if (message.StartsWith("fail", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("this message always fails");
            }
        }
    }

    public sealed class TimerFunctions(Journal journal, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        [Function("HostTestSingleton")]
        public async Task Singleton([TimerTrigger("*/1 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
        {
            var start = DateTime.UtcNow;
            // Longer than the period, so without the lease two instances would overlap.
            await Task.Delay(TimeSpan.FromMilliseconds(1500), cancellationToken);
            journal.Runs.Enqueue((configuration["InstanceName"]!, start, DateTime.UtcNow));
        }
    }

    private static async Task<LocalFunctionsApp> StartHostAsync(InfraFixture infra, Type functions, string hostId, Journal journal, params string[] settings)
    {
        string[] args =
        [
            $"--LISTEN_ADDRESS=127.0.0.1:{LoopbackPorts.Take()}",
            $"--RabbitMQConnection={infra.RabbitMQConnection}",
            $"--AzureWebJobsStorage={infra.AzureWebJobsStorage}",
            "--extensions:rabbitMQ:maxDeliveryRetries=2",
            .. settings,
        ];
        var builder = LocalFunctionsHost.CreateBuilder(args, [functions], hostId);
        builder.Services.AddSingleton(journal);
        var app = builder.Build();
        await app.StartAsync();
        return app;
    }

    [Fact]
    public async Task A_failing_message_is_retried_then_moved_to_the_poison_queue_and_a_good_one_is_acked()
    {
        var queue = $"host-test-{Guid.NewGuid():N}";
        var journal = new Journal();
        await using var app = await StartHostAsync(infra, typeof(QueueFunctions), "host-test", journal, $"--TestQueue={queue}");
        var factory = new ConnectionFactory { Uri = new Uri(infra.RabbitMQConnection) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        // Declared here too (same properties as the host's) so probing it cannot fail before the host has.
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await Eventually.ReturnsAsync(async () => await channel.ConsumerCountAsync(queue), n => n == 1, TimeSpan.FromSeconds(20), "the function consuming its queue");

        var marker = Guid.NewGuid().ToString("N");
        await channel.BasicPublishAsync(string.Empty, queue, Encoding.UTF8.GetBytes($"ok {marker}"));
        await channel.BasicPublishAsync(string.Empty, queue, Encoding.UTF8.GetBytes($"fail {marker}"));

        var poisoned = await Eventually.ReturnsAsync(
            async () => await channel.BasicGetAsync("HostTestFlaky-poison", autoAck: true),
            m => m is not null && Encoding.UTF8.GetString(m.Body.Span) == $"fail {marker}",
            TimeSpan.FromSeconds(20),
            "the failing message in the poison queue");
        Assert.Equal(2, poisoned!.BasicProperties.Headers!["x-objectstore-retry"]);

        Assert.Equal([$"ok {marker}#0"], journal.Calls.Where(c => c.StartsWith("ok", StringComparison.Ordinal)));
        Assert.Equal([$"fail {marker}#0", $"fail {marker}#1", $"fail {marker}#2"], journal.Calls.Where(c => c.StartsWith("fail", StringComparison.Ordinal)));
        Assert.Equal(0u, await channel.MessageCountAsync(queue));
        await app.StopAsync();
        await channel.QueueDeleteAsync(queue);
    }

    [Fact]
    public async Task A_singleton_timer_never_runs_on_two_instances_at_once()
    {
        var hostId = $"singleton-{Guid.NewGuid():N}";
        var journal = new Journal();
        await using var first = await StartHostAsync(infra, typeof(TimerFunctions), hostId, journal, "--InstanceName=first");
        await using var second = await StartHostAsync(infra, typeof(TimerFunctions), hostId, journal, "--InstanceName=second");

        await Eventually.TrueAsync(() => journal.Runs.Count >= 4, TimeSpan.FromSeconds(30), "four singleton runs");
        await first.StopAsync();
        await second.StopAsync();

        var runs = journal.Runs.OrderBy(r => r.Start).ToList();
        for (var i = 1; i < runs.Count; i++)
        {
            Assert.True(runs[i].Start >= runs[i - 1].End, $"run {i} on {runs[i].Host} started before run {i - 1} on {runs[i - 1].Host} ended");
        }
    }
}
