using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ObjectStore.Api.Edge;
using ObjectStore.Functions.Hosting;
using ObjectStore.Functions.Keys;
using ObjectStore.Storage;
using ObjectStore.Storage.Cluster;

// Started by the Functions host (func start, Azure): the real isolated worker. Anything else (./run, tests,
// dotnet ObjectStore.Api.dll): the repository's local host, which reads the same attributes, host.json and settings.
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
    services.AddFunctionsRuntime(configuration, "objectstore.api");
    services.AddObjectStoreApi(configuration);
    services.AddSingleton<IControlBus, RabbitMQControlBus>();
    services.AddSingleton<ObjectDownloads>();
    // The data nodes' routes need a function key: the setting DataNodeFunctionKey, else their stored default key.
    services.AddFunctionAppKey("DataNodeFunctionKey", "DataNodeHostId", "objectstore.datanode");
    services.AddSingleton<IDataNodeClient>(sp => new DataNodeClient(new HttpClient(FunctionKeyHandler.Wrap(DataNodeClient.CreateHandler(), sp.GetService<FunctionAppKey>())) { Timeout = Timeout.InfiniteTimeSpan }));
}
