using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace ObjectStore.Functions.Hosting;

/// <summary>One discovered function: where it lives, its trigger, and how to call it.</summary>
public sealed class FunctionDescriptor
{
    private static readonly ConcurrentDictionary<Type, Func<Task, object?>> ResultReaders = new();

    private readonly ObjectFactory _factory;
    private readonly ParameterInfo[] _parameters;

    internal FunctionDescriptor(string name, MethodInfo method, ParameterInfo triggerParameter, TriggerBindingAttribute trigger)
    {
        Name = name;
        Method = method;
        TriggerParameter = triggerParameter;
        Trigger = trigger;
        _parameters = method.GetParameters();
        _factory = ActivatorUtilities.CreateFactory(method.DeclaringType!, Type.EmptyTypes);
    }

    public string Name { get; }

    public MethodInfo Method { get; }

    public ParameterInfo TriggerParameter { get; }

    public TriggerBindingAttribute Trigger { get; }

    /// <summary>The binding type as functions.metadata names it: <c>httpTrigger</c>, <c>timerTrigger</c>, <c>rabbitMQTrigger</c>.</summary>
    public string TriggerType => Trigger switch
    {
        HttpTriggerAttribute => "httpTrigger",
        TimerTriggerAttribute => "timerTrigger",
        RabbitMQTriggerAttribute => "rabbitMQTrigger",
        var other => other.GetType().Name.Replace("Attribute", string.Empty, StringComparison.Ordinal),
    };

    /// <summary>
    /// Creates the function's class in a fresh DI scope (as the worker does per invocation), binds the arguments
    /// and awaits the method. <paramref name="bindExtra"/> supplies trigger-specific values (route values);
    /// anything else comes from the container.
    /// </summary>
    internal async Task<object?> InvokeAsync(
        IServiceProvider services,
        object? triggerValue,
        IReadOnlyDictionary<string, object?> bindingData,
        Func<ParameterInfo, (bool Bound, object? Value)>? bindExtra,
        CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var context = new LocalFunctionContext(this, scope.ServiceProvider, bindingData, cancellationToken);
        var args = new object?[_parameters.Length];
        for (var i = 0; i < _parameters.Length; i++)
        {
            args[i] = BindParameter(_parameters[i], triggerValue, bindExtra, context, cancellationToken);
        }

        var instance = _factory(scope.ServiceProvider, null);
        try
        {
            var returned = Method.Invoke(instance, BindingFlags.DoNotWrapExceptions, binder: null, args, culture: null);
            return await UnwrapAsync(returned).ConfigureAwait(false);
        }
        finally
        {
            switch (instance)
            {
                case IAsyncDisposable asyncDisposable: await asyncDisposable.DisposeAsync().ConfigureAwait(false); break;
                case IDisposable disposable: disposable.Dispose(); break;
            }
        }
    }

    private object? BindParameter(
        ParameterInfo parameter,
        object? triggerValue,
        Func<ParameterInfo, (bool Bound, object? Value)>? bindExtra,
        FunctionContext context,
        CancellationToken cancellationToken)
    {
        if (parameter == TriggerParameter)
        {
            return triggerValue;
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return cancellationToken;
        }

        if (parameter.ParameterType == typeof(FunctionContext))
        {
            return context;
        }

        if (bindExtra is not null)
        {
            var (bound, value) = bindExtra(parameter);
            if (bound)
            {
                return value;
            }
        }

        return context.InstanceServices.GetService(parameter.ParameterType)
            ?? (parameter.HasDefaultValue
                ? parameter.DefaultValue
                : throw new FunctionBindingException($"Function '{Name}': nothing binds parameter '{parameter.Name}' of type {parameter.ParameterType.Name}."));
    }

    private static async ValueTask<object?> UnwrapAsync(object? returned)
    {
        switch (returned)
        {
            case Task task:
                await task.ConfigureAwait(false);
                return ReadResult(task);
            case ValueTask valueTask:
                await valueTask.ConfigureAwait(false);
                return null;
            default:
                if (returned is not null && returned.GetType().IsGenericType
                    && returned.GetType().GetGenericTypeDefinition() == typeof(ValueTask<>))
                {
                    var asTask = (Task)returned.GetType().GetMethod(nameof(ValueTask<int>.AsTask))!.Invoke(returned, null)!;
                    await asTask.ConfigureAwait(false);
                    return ReadResult(asTask);
                }

                return returned;
        }
    }

    private static object? ReadResult(Task task)
    {
        var reader = ResultReaders.GetOrAdd(task.GetType(), static type =>
        {
            var property = type.IsGenericType ? type.GetProperty(nameof(Task<int>.Result)) : null;
            return property is null || property.PropertyType.Name == "VoidTaskResult"
                ? static _ => null
                : t => property.GetValue(t);
        });
        return reader(task);
    }
}
