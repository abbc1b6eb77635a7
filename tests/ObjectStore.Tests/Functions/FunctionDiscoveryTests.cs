using Microsoft.AspNetCore.Http;
using ObjectStore.Functions;
using ObjectStore.Functions.Hosting;

namespace ObjectStore.Tests.Functions;

public sealed class FunctionDiscoveryTests
{
    public sealed class ObjectFunctions
    {
        [Function("PutObject")]
        public void Put([HttpTrigger("PUT", Route = "objects/{name}")] HttpRequest request) => _ = request;

        [Function("Heartbeat")]
        public void Heartbeat([RabbitMQTrigger(Exchange = "apiServers")] string message) => _ = message;

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
        public void Run([HttpTrigger("GET")] string request) => _ = request;
    }

    public sealed class QueueAndExchange
    {
        [Function("QueueAndExchange")]
        public void Run([RabbitMQTrigger("q", Exchange = "x")] string message) => _ = message;
    }

    public sealed class NeitherQueueNorExchange
    {
        [Function("NeitherQueueNorExchange")]
        public void Run([RabbitMQTrigger] string message) => _ = message;
    }

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
        Assert.Equal(["PUT"], http.Methods);
        Assert.Equal("objects/{name}", http.Route);
        Assert.IsType<TimerTriggerAttribute>(functions.Single(f => f.Name == "CleanTemp").Trigger);
        Assert.Equal("apiServers", Assert.IsType<RabbitMQTriggerAttribute>(functions.Single(f => f.Name == "Heartbeat").Trigger).Exchange);
    }

    [Fact]
    public void Finds_nothing_in_classes_without_functions()
    {
        Assert.Empty(FunctionDiscovery.Discover([typeof(string), typeof(FunctionDiscoveryTests)]));
    }

    [Theory]
    [InlineData(typeof(NoTrigger), "NoTrigger", "found 0")]
    [InlineData(typeof(TwoTriggers), "TwoTriggers", "found 2")]
    [InlineData(typeof(HttpWithoutMethods), "HttpWithoutMethods", "at least one method")]
    [InlineData(typeof(HttpOnAString), "HttpOnAString", "HttpRequest")]
    [InlineData(typeof(QueueAndExchange), "QueueAndExchange", "either a queue or an exchange")]
    [InlineData(typeof(NeitherQueueNorExchange), "NeitherQueueNorExchange", "either a queue or an exchange")]
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
