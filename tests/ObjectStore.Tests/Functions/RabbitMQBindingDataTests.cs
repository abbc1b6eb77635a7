using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using ObjectStore.Functions.Hosting;
using ObjectStore.Functions.RabbitMQ;

namespace ObjectStore.Tests.Functions;

public sealed class RabbitMQBindingDataTests
{
    public sealed class Probe
    {
        [Function("Probe")]
        public RabbitMQMessageProperties Run([RabbitMQTrigger("q")] string message, FunctionContext context) => RabbitMQBindingData.Properties(context);
    }

    private static async Task<RabbitMQMessageProperties> ReadAsync(IReadOnlyDictionary<string, object?> bindingData)
    {
        await using var services = new ServiceCollection().BuildServiceProvider();
        var function = FunctionDiscovery.Discover([typeof(Probe)]).Single();
        return (RabbitMQMessageProperties)(await function.InvokeAsync(services, "m", bindingData, null, CancellationToken.None))!;
    }

    [Fact]
    public async Task Reads_reply_to_correlation_and_retry_count_from_the_properties_json_as_the_extension_passes_it()
    {
        var properties = await ReadAsync(new Dictionary<string, object?>
        {
            ["BasicProperties"] = """{"ReplyTo":"amq.rabbitmq.reply-to.g1","CorrelationId":"c-7","Headers":{"x-objectstore-retry":2}}""",
        });

        Assert.Equal(new RabbitMQMessageProperties("amq.rabbitmq.reply-to.g1", "c-7", 2), properties);
    }

    [Fact]
    public async Task Reads_camel_cased_properties_too_and_nothing_when_there_are_none()
    {
        Assert.Equal(new RabbitMQMessageProperties("r", null, 0), await ReadAsync(new Dictionary<string, object?> { ["BasicProperties"] = """{"replyTo":"r"}""" }));
        Assert.Equal(new RabbitMQMessageProperties(null, null, 0), await ReadAsync(new Dictionary<string, object?>()));
    }
}
