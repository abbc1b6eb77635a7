using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace ObjectStore.Functions.Hosting;

/// <summary>
/// Finds the functions in an app's types by the worker's own attributes (<see cref="FunctionAttribute"/> and one
/// trigger binding per method), the same facts from which the SDK's build writes functions.metadata.
/// </summary>
public static class FunctionDiscovery
{
    public static IReadOnlyList<FunctionDescriptor> Discover(IEnumerable<Type> types)
    {
        var functions = new List<FunctionDescriptor>();
        foreach (var type in types.Where(t => t.IsClass && !t.IsAbstract))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                var function = method.GetCustomAttribute<FunctionAttribute>();
                if (function is null)
                {
                    continue;
                }

                if (!type.IsPublic && !type.IsNestedPublic)
                {
                    throw new FunctionIndexingException($"Function '{function.Name}': class {type.FullName} must be public.");
                }

                if (method.IsStatic)
                {
                    throw new FunctionIndexingException($"Function '{function.Name}': the local host runs instance methods only; {type.Name}.{method.Name} is static.");
                }

                var triggers = method.GetParameters()
                    .Select(p => (Parameter: p, Trigger: p.GetCustomAttribute<TriggerBindingAttribute>()))
                    .Where(x => x.Trigger is not null)
                    .ToList();
                if (triggers.Count != 1)
                {
                    throw new FunctionIndexingException(
                        $"Function '{function.Name}' ({type.Name}.{method.Name}) must have exactly one trigger parameter; found {triggers.Count}.");
                }

                var (parameter, trigger) = triggers[0];
                Validate(function.Name, parameter, trigger!);
                functions.Add(new FunctionDescriptor(function.Name, method, parameter, trigger!));
            }
        }

        var duplicate = functions.GroupBy(f => f.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new FunctionIndexingException($"Function name '{duplicate.Key}' is used more than once.");
        }

        return functions.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
    }

    private static void Validate(string name, ParameterInfo parameter, TriggerBindingAttribute trigger)
    {
        switch (trigger)
        {
            case HttpTriggerAttribute http when http.Methods is null || http.Methods.Length == 0:
                throw new FunctionIndexingException($"Function '{name}': the local host needs the HTTP trigger's methods listed.");
            case HttpTriggerAttribute when parameter.ParameterType != typeof(HttpRequest):
                throw new FunctionIndexingException($"Function '{name}': an HTTP trigger binds an HttpRequest parameter (ASP.NET Core integration).");
            case RabbitMQTriggerAttribute rabbit when string.IsNullOrEmpty(rabbit.QueueName) && parameter.GetCustomAttribute<RabbitMQ.RabbitMQExchangeAttribute>() is null:
                throw new FunctionIndexingException($"Function '{name}': a RabbitMQ trigger names a queue (or binds to an exchange with [RabbitMQExchange]).");
            case RabbitMQTriggerAttribute rabbit when rabbit.HostName is not null || rabbit.UserNameSetting is not null || rabbit.PasswordSetting is not null || rabbit.Port != 0:
                throw new FunctionIndexingException($"Function '{name}': the local host connects through ConnectionStringSetting only, not HostName/UserNameSetting/PasswordSetting/Port.");
            case TimerTriggerAttribute when parameter.ParameterType != typeof(TimerInfo):
                throw new FunctionIndexingException($"Function '{name}': a timer trigger binds a TimerInfo parameter.");
            case TimerTriggerAttribute timer when string.IsNullOrWhiteSpace(timer.Schedule):
                throw new FunctionIndexingException($"Function '{name}': a timer trigger needs a schedule.");
            case HttpTriggerAttribute or RabbitMQTriggerAttribute or TimerTriggerAttribute:
                break;
            default:
                throw new FunctionIndexingException($"Function '{name}': the local host does not run {trigger.GetType().Name} triggers.");
        }
    }
}
