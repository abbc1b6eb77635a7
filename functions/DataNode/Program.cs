using ObjectStore.Functions.Hosting;
using ObjectStore.Storage;

var builder = FunctionsApplication.CreateBuilder(args);
builder.Services.AddObjectStoreDataNode(builder.Configuration);
await using var app = builder.Build();
await app.RunAsync();
