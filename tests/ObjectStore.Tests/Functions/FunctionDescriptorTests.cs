using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Hosting;

namespace ObjectStore.Tests.Functions;

public sealed class FunctionDescriptorTests : IDisposable
{
    public sealed class Greetings
    {
        public string Greet(string name) => $"hello {name}";
    }

    public sealed class InvocationLog
    {
        public List<string> Entries { get; } = [];
    }

    public sealed class Unregistered;

    public sealed class GreetingFunctions(Greetings greetings, InvocationLog log) : IDisposable
    {
        [Function("GreetAsync")]
        public async Task<string> GreetAsync([RabbitMQTrigger("greet")] string name)
        {
            await Task.Yield();
            return greetings.Greet(name);
        }

        [Function("GreetNow")]
        public string GreetNow([RabbitMQTrigger("greet")] string name) => greetings.Greet(name);

        [Function("GreetValueTask")]
        public async ValueTask<string> GreetValueTask([RabbitMQTrigger("greet")] string name)
        {
            await Task.Yield();
            return greetings.Greet(name);
        }

        [Function("RecordValueTask")]
        public async ValueTask RecordValueTask([RabbitMQTrigger("record")] string entry)
        {
            await Task.Yield();
            log.Entries.Add(entry);
        }

        [Function("RecordTask")]
        public async Task RecordTask([RabbitMQTrigger("record")] string entry)
        {
            await Task.Yield();
            log.Entries.Add(entry);
        }

        [Function("Token")]
        public CancellationToken Token([RabbitMQTrigger("q")] string message, CancellationToken cancellationToken) => cancellationToken;

        [Function("Context")]
        public string Context([RabbitMQTrigger("q")] string message, FunctionContext context) =>
            $"{context.FunctionDefinition.Name}:{context.BindingContext.BindingData["Exchange"]}:{context.CancellationToken.CanBeCanceled}";

        [Function("Extra")]
        public string Extra([RabbitMQTrigger("q")] string message, string replyTo, int retries) => $"{message}->{replyTo}#{retries}";

        [Function("Defaulted")]
        public string Defaulted([RabbitMQTrigger("q")] string message, string suffix = "!") => message + suffix;

        [Function("Unbindable")]
        public void Unbindable([RabbitMQTrigger("q")] string message, Unregistered thing) => log.Entries.Add("ran");

        [Function("ThrowsAsync")]
        public async Task ThrowsAsync([RabbitMQTrigger("q")] string message)
        {
            await Task.Yield();
            throw new InvalidOperationException("async boom");
        }

        [Function("ThrowsNow")]
        public Task ThrowsNow([RabbitMQTrigger("q")] string message) => throw new InvalidOperationException("sync boom");

        public void Dispose() => log.Entries.Add("disposed");
    }

    private readonly InvocationLog _log = new();
    private readonly ServiceProvider _services;
    private readonly IReadOnlyList<FunctionDescriptor> _functions = FunctionDiscovery.Discover([typeof(GreetingFunctions)]);

    public FunctionDescriptorTests()
    {
        _services = new ServiceCollection()
            .AddSingleton<Greetings>()
            .AddSingleton(_log)
            .BuildServiceProvider();
    }

    public void Dispose() => _services.Dispose();

    private Task<object?> InvokeAsync(
        string function,
        object? triggerValue,
        Func<ParameterInfo, (bool Bound, object? Value)>? bindExtra = null,
        CancellationToken cancellationToken = default) =>
        _functions.Single(f => f.Name == function).InvokeAsync(_services, triggerValue, BindingData, bindExtra, cancellationToken);

    private static readonly IReadOnlyDictionary<string, object?> BindingData = new Dictionary<string, object?> { ["Exchange"] = "apiServers" };

    [Theory]
    [InlineData("GreetAsync")]
    [InlineData("GreetNow")]
    [InlineData("GreetValueTask")]
    public async Task Returns_the_result_of_the_function_whatever_its_return_type(string function)
    {
        Assert.Equal("hello ada", await InvokeAsync(function, "ada"));
    }

    [Theory]
    [InlineData("RecordValueTask")]
    [InlineData("RecordTask")]
    public async Task Awaits_a_function_without_a_result_and_returns_null(string function)
    {
        Assert.Null(await InvokeAsync(function, "entry"));

        Assert.Equal(["entry", "disposed"], _log.Entries);
    }

    [Fact]
    public async Task Binds_the_cancellation_token()
    {
        using var cancel = new CancellationTokenSource();

        var bound = await InvokeAsync("Token", "x", cancellationToken: cancel.Token);

        Assert.Equal(cancel.Token, Assert.IsType<CancellationToken>(bound));
    }

    [Fact]
    public async Task Binds_the_function_context_with_its_binding_data_and_cancellation()
    {
        using var cancel = new CancellationTokenSource();

        Assert.Equal("Context:apiServers:True", await InvokeAsync("Context", "x", cancellationToken: cancel.Token));
    }

    [Fact]
    public async Task Binds_trigger_specific_values_before_services()
    {
        var result = await InvokeAsync("Extra", "msg", p => p.Name switch
        {
            "replyTo" => (true, "amq.gen-1"),
            "retries" => (true, 2),
            _ => (false, null),
        });

        Assert.Equal("msg->amq.gen-1#2", result);
    }

    [Fact]
    public async Task Falls_back_to_a_parameters_default_value()
    {
        Assert.Equal("x!", await InvokeAsync("Defaulted", "x"));
    }

    [Fact]
    public async Task An_unbindable_parameter_throws_FunctionBindingException_without_running_the_function()
    {
        var ex = await Assert.ThrowsAsync<FunctionBindingException>(() => InvokeAsync("Unbindable", "x"));

        Assert.Contains("'Unbindable'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'thing'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ran", _log.Entries);
    }

    [Theory]
    [InlineData("ThrowsAsync", "async boom")]
    [InlineData("ThrowsNow", "sync boom")]
    public async Task An_exception_from_the_function_propagates_unwrapped(string function, string message)
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => InvokeAsync(function, "x"));

        Assert.Equal(message, ex.Message);
        Assert.Equal(["disposed"], _log.Entries);
    }

    [Fact]
    public async Task Creates_a_fresh_instance_per_invocation_and_disposes_it()
    {
        await InvokeAsync("RecordTask", "one");
        await InvokeAsync("RecordTask", "two");

        Assert.Equal(["one", "disposed", "two", "disposed"], _log.Entries);
    }

    [Fact]
    public async Task A_constructor_dependency_missing_from_the_container_fails_the_invocation()
    {
        await using var empty = new ServiceCollection().BuildServiceProvider();

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _functions.Single(f => f.Name == "GreetNow").InvokeAsync(empty, "x", BindingData, null, CancellationToken.None));
    }
}
