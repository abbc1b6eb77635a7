using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Hosting;
using ObjectStore.Functions.RabbitMQ;

namespace ObjectStore.Tests.Functions;

public sealed class FunctionDiscoveryTests
{
    public sealed class ObjectFunctions
    {
        [Function("PutObject")]
        public void Put([HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "objects/{name}")] HttpRequest request) => _ = request;

        [Function("Heartbeat")]
        public void Heartbeat([RabbitMQTrigger(""), RabbitMQExchange("apiServers")] string message) => _ = message;

        public void NotAFunction(string value) => _ = value;
    }

    public sealed class MaintenanceFunctions
    {
        [Function("CleanTemp")]
        public void Clean([TimerTrigger("0 */5 * * * *")] TimerInfo timer) => _ = timer;

        [Function("Work")]
        public void Work([RabbitMQTrigger("work")] string message) => _ = message;
    }

    public abstract class AbstractFunctions
    {
        [Function("Abstract")]
        public void Run([RabbitMQTrigger("q")] string message) => _ = message;
    }

    public sealed class NoTrigger
    {
        [Function("NoTrigger")]
        public void Run(string message) => _ = message;
    }

    public sealed class TwoTriggers
    {
        [Function("TwoTriggers")]
        public void Run([RabbitMQTrigger("q")] string message, [TimerTrigger("0 * * * * *")] TimerInfo timer) => _ = (message, timer);
    }

    public sealed class HttpWithoutMethods
    {
        [Function("HttpWithoutMethods")]
        public void Run([HttpTrigger] HttpRequest request) => _ = request;
    }

    public sealed class HttpOnAString
    {
        [Function("HttpOnAString")]
        public void Run([HttpTrigger(AuthorizationLevel.Anonymous, "get")] string request) => _ = request;
    }

    public sealed class QueueByHostName
    {
        [Function("QueueByHostName")]
        public void Run([RabbitMQTrigger("localhost", "%User%", "%Password%", 5672, "q")] string message) => _ = message;
    }

    public sealed class NoQueueName
    {
        [Function("NoQueueName")]
        public void Run([RabbitMQTrigger("")] string message) => _ = message;
    }

    public sealed class StaticFunction
    {
        [Function("StaticFunction")]
        public static void Run([RabbitMQTrigger("q")] string message) => _ = message;
    }

    public sealed class BlobTrigger
    {
        [Function("BlobTrigger")]
        public void Run([UnsupportedTrigger] string blob) => _ = blob;
    }

    public sealed class UnsupportedTriggerAttribute : Microsoft.Azure.Functions.Worker.Extensions.Abstractions.TriggerBindingAttribute;

    public sealed class TimerOnAString
    {
        [Function("TimerOnAString")]
        public void Run([TimerTrigger("0 * * * * *")] string timer) => _ = timer;
    }

    public sealed class TimerWithoutSchedule
    {
        [Function("TimerWithoutSchedule")]
        public void Run([TimerTrigger(" ")] TimerInfo timer) => _ = timer;
    }

    public sealed class DuplicateA
    {
        [Function("Twin")]
        public void Run([RabbitMQTrigger("a")] string message) => _ = message;
    }

    public sealed class DuplicateB
    {
        [Function("twin")]
        public void Run([RabbitMQTrigger("b")] string message) => _ = message;
    }

    internal sealed class NotPublic
    {
        [Function("NotPublic")]
        public void Run([RabbitMQTrigger("q")] string message) => _ = message;
    }

    [Fact]
    public void Finds_every_function_sorted_by_name()
    {
        var functions = FunctionDiscovery.Discover([typeof(ObjectFunctions), typeof(MaintenanceFunctions), typeof(AbstractFunctions)]);

        Assert.Equal(["CleanTemp", "Heartbeat", "PutObject", "Work"], functions.Select(f => f.Name));
        var put = functions.Single(f => f.Name == "PutObject");
        Assert.Equal(nameof(ObjectFunctions.Put), put.Method.Name);
        Assert.Equal("request", put.TriggerParameter.Name);
        var http = Assert.IsType<HttpTriggerAttribute>(put.Trigger);
        Assert.Equal(["put"], http.Methods!);
        Assert.Equal(AuthorizationLevel.Anonymous, http.AuthLevel);
        Assert.Equal("objects/{name}", http.Route);
        Assert.IsType<TimerTriggerAttribute>(functions.Single(f => f.Name == "CleanTemp").Trigger);
        var heartbeat = functions.Single(f => f.Name == "Heartbeat");
        Assert.Equal("rabbitMQTrigger", heartbeat.TriggerType);
        Assert.Equal("apiServers", heartbeat.TriggerParameter.GetCustomAttributes(typeof(RabbitMQExchangeAttribute), false).Cast<RabbitMQExchangeAttribute>().Single().Exchange);
    }

    [Fact]
    public void Finds_nothing_in_classes_without_functions()
    {
        Assert.Empty(FunctionDiscovery.Discover([typeof(string), typeof(FunctionDiscoveryTests)]));
    }

    [Theory]
    [InlineData(typeof(NoTrigger), "NoTrigger", "found 0")]
    [InlineData(typeof(TwoTriggers), "TwoTriggers", "found 2")]
    [InlineData(typeof(HttpWithoutMethods), "HttpWithoutMethods", "methods listed")]
    [InlineData(typeof(HttpOnAString), "HttpOnAString", "HttpRequest")]
    [InlineData(typeof(QueueByHostName), "QueueByHostName", "ConnectionStringSetting only")]
    [InlineData(typeof(NoQueueName), "NoQueueName", "names a queue")]
    [InlineData(typeof(StaticFunction), "StaticFunction", "static")]
    [InlineData(typeof(BlobTrigger), "BlobTrigger", "does not run UnsupportedTriggerAttribute")]
    [InlineData(typeof(TimerOnAString), "TimerOnAString", "TimerInfo")]
    [InlineData(typeof(TimerWithoutSchedule), "TimerWithoutSchedule", "schedule")]
    [InlineData(typeof(NotPublic), "NotPublic", "public")]
    public void Rejects_an_invalid_function_naming_it(Type type, string function, string reason)
    {
        var ex = Assert.Throws<FunctionIndexingException>(() => FunctionDiscovery.Discover([typeof(ObjectFunctions), type]));

        Assert.Contains($"'{function}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_two_functions_with_the_same_name_ignoring_case()
    {
        var ex = Assert.Throws<FunctionIndexingException>(() => FunctionDiscovery.Discover([typeof(DuplicateA), typeof(DuplicateB)]));

        Assert.Contains("'Twin'", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("more than once", ex.Message, StringComparison.Ordinal);
    }
}
