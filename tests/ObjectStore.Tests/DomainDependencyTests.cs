using System.Reflection;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Tests;

/// <summary>
/// The domain (objects, metadata, placement, volumes) runs under any host: the function apps give it their control bus
/// and node client, and its writer and reader are tested with fakes. Nothing it loads may be the function host, ASP.NET
/// or RabbitMQ's client.
/// </summary>
public sealed class DomainDependencyTests
{
    private static readonly string[] Forbidden = ["ObjectStore.Functions", "Microsoft.AspNetCore", "Microsoft.Azure.Functions", "RabbitMQ.Client"];

    [Fact]
    public void The_domain_and_the_libraries_it_loads_reference_neither_the_function_host_nor_ASP_NET()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var offending = new List<string>();
        var pending = new Queue<Assembly>([typeof(ObjectWriter).Assembly]);
        while (pending.TryDequeue(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                var name = reference.Name!;
                if (Forbidden.Any(f => name.StartsWith(f, StringComparison.Ordinal)))
                {
                    offending.Add($"{assembly.GetName().Name} -> {name}");
                }
                else if (name.StartsWith("ObjectStore.", StringComparison.Ordinal) && seen.Add(name))
                {
                    pending.Enqueue(Assembly.Load(reference));
                }
            }
        }

        Assert.Contains("ObjectStore.Etcd", seen);
        Assert.Empty(offending);
    }
}
