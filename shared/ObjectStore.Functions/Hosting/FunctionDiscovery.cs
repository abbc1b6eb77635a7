using System.Reflection;

namespace ObjectStore.Functions.Hosting;

/// <summary>Finds the functions in the app's assemblies, as the worker's source generator does at build time.</summary>
public static class FunctionDiscovery
{
    public static IReadOnlyList<FunctionDescriptor> Discover(IEnumerable<Assembly> assemblies) =>
        Discover(assemblies.SelectMany(a => a.GetTypes()));

    public static IReadOnlyList<FunctionDescriptor> Discover(IEnumerable<Type> types)
    {
        var functions = new List<FunctionDescriptor>();
        foreach (var type in types.Where(t => t.IsClass && !t.IsAbstract))
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
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

                var triggers = method.GetParameters()
                    .Select(p => (Parameter: p, Trigger: p.GetCustomAttribute<TriggerAttribute>()))
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

    private static void Validate(string name, ParameterInfo parameter, TriggerAttribute trigger)
    {
        switch (trigger)
        {
            case HttpTriggerAttribute http when http.Methods.Length == 0:
                throw new FunctionIndexingException($"Function '{name}': an HTTP trigger needs at least one method.");
            case HttpTriggerAttribute when parameter.ParameterType != typeof(Microsoft.AspNetCore.Http.HttpRequest):
                throw new FunctionIndexingException($"Function '{name}': an HTTP trigger binds an HttpRequest parameter.");
            case RabbitMQTriggerAttribute rabbit when string.IsNullOrEmpty(rabbit.QueueName) == string.IsNullOrEmpty(rabbit.Exchange):
                throw new FunctionIndexingException($"Function '{name}': a RabbitMQ trigger names either a queue or an exchange.");
            case TimerTriggerAttribute when parameter.ParameterType != typeof(TimerInfo):
                throw new FunctionIndexingException($"Function '{name}': a timer trigger binds a TimerInfo parameter.");
            case TimerTriggerAttribute timer when string.IsNullOrWhiteSpace(timer.Schedule):
                throw new FunctionIndexingException($"Function '{name}': a timer trigger needs a schedule.");
        }
    }
}
