using Microsoft.Extensions.DependencyInjection;
using ObjectStore.Api.Edge;
using ObjectStore.Functions.Hosting;
using ObjectStore.Storage;
using ObjectStore.Storage.Cluster;

var builder = FunctionsApplication.CreateBuilder(args);
builder.Services.AddObjectStoreApi(builder.Configuration);
builder.Services.AddSingleton<IControlBus, RabbitMQControlBus>();
builder.Services.AddSingleton<ObjectDownloads>();
await using var app = builder.Build();
await app.RunAsync();
