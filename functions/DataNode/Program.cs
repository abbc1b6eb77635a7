using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ObjectStore.Functions.Hosting;
using ObjectStore.Storage;

// Started by the Functions host (func start, Azure): the real isolated worker. Anything else (./run, tests,
// dotnet ObjectStore.DataNode.dll): the repository's local host, which reads the same attributes, host.json and settings.
if (!FunctionsRuntime.StartedByFunctionsHost(args))
{
    return await LocalFunctionsHost.RunAsync(args, typeof(Program).Assembly, AddServices);
}

var worker = FunctionsApplication.CreateBuilder(args);
worker.ConfigureFunctionsWebApplication();
FunctionsRuntime.AddHostJsonDefaults(worker.Configuration, AppContext.BaseDirectory);
AddServices(worker.Services, worker.Configuration);
using var host = worker.Build();
await host.RunAsync();
return 0;

// Every registration, shared by both hosts.
static void AddServices(IServiceCollection services, IConfiguration configuration)
{
    services.AddFunctionsRuntime(configuration, "objectstore.datanode");
    services.AddObjectStoreDataNode(configuration);
}
