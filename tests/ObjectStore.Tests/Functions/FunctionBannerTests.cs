using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Azure.Functions.Worker;
using ObjectStore.Functions.Hosting;
using ObjectStore.Functions.Keys;
using ObjectStore.Functions.RabbitMQ;
using ObjectStore.Functions.Timers;

namespace ObjectStore.Tests.Functions;

public sealed class FunctionBannerTests
{
    public sealed class BannerFunctions
    {
        [Function("GetObject")]
        public void Get([HttpTrigger(AuthorizationLevel.Anonymous, "get", "HEAD", Route = "objects/{name}")] HttpRequest request) => _ = request;

        [Function("Nodes")]
        public void Nodes([HttpTrigger(AuthorizationLevel.Anonymous, "get")] HttpRequest request) => _ = request;

        [Function("CleanTemp")]
        public void Clean([TimerTrigger("%Schedules:CleanTemp%")] TimerInfo timer) => _ = timer;

        [Function("ExpireDeadNodes")]
        [RunOnEveryInstance]
        public void Expire([TimerTrigger("*/2 * * * * *")] TimerInfo timer) => _ = timer;

        [Function("RecordHeartbeat")]
        public void Record([RabbitMQTrigger("%Queues:Heartbeat%"), RabbitMQExchange("%Exchanges:Heartbeat%")] string message) => _ = message;

        [Function("ReadShard")]
        public void Read([HttpTrigger(AuthorizationLevel.Function, "get", Route = "shards/{key}")] HttpRequest request) => _ = request;

        [Function("Reset")]
        public void Reset([HttpTrigger(AuthorizationLevel.Admin, "post", Route = "reset")] HttpRequest request) => _ = request;

        [Function("Work")]
        public void Work([RabbitMQTrigger("work-queue")] string message) => _ = message;
    }

    private static readonly IReadOnlyList<FunctionDescriptor> Functions = FunctionDiscovery.Discover([typeof(BannerFunctions)]);

    private static readonly IConfiguration Configuration = new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Schedules:CleanTemp"] = "0 */5 * * * *",
            ["Exchanges:Heartbeat"] = "apiServers",
            ["Queues:Heartbeat"] = string.Empty,
        })
        .Build();

    private static string[] Lines(string banner) =>
        banner.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static FunctionHostOptions Options(string routePrefix = "", bool requireKey = false) =>
        new() { HostId = "banner-app", RoutePrefix = routePrefix, RequireFunctionKey = requireKey };

    private static readonly HostSecrets Secrets = new("master-key-0123456789", new Dictionary<string, string> { ["default"] = "default-key-0123456789" });

    [Fact]
    public void Lists_every_function_with_its_trigger_and_http_urls_with_methods_and_the_key_to_use()
    {
        var banner = FunctionBanner.Render(Functions, "http://127.0.0.1:7071/", Options(), Configuration, Secrets);

        Assert.Equal(
            [
                "Local functions host (isolated-worker app, host id banner-app; not the Azure Functions host)",
                "Functions:",
                "CleanTemp: timerTrigger (0 */5 * * * *, singleton)",
                "ExpireDeadNodes: timerTrigger (*/2 * * * * *, every instance)",
                "GetObject: [GET,HEAD] http://127.0.0.1:7071/objects/{name}",
                "Nodes: [GET] http://127.0.0.1:7071/Nodes",
                "ReadShard: [GET] http://127.0.0.1:7071/shards/{key} (function key)",
                "RecordHeartbeat: rabbitMQTrigger (exchange apiServers)",
                "Reset: [POST] http://127.0.0.1:7071/reset (admin key)",
                "Work: rabbitMQTrigger (queue work-queue)",
                FunctionBanner.KeyLinePrefix + "default-key-0123456789",
                "(master key and others: container azure-webjobs-secrets, blob banner-app/host.json in AzureWebJobsStorage)",
            ],
            Lines(banner));
    }

    [Fact]
    public void Marks_anonymous_routes_as_needing_a_key_when_the_app_requires_keys()
    {
        var banner = FunctionBanner.Render(Functions, "http://127.0.0.1:7071", Options(requireKey: true), Configuration, Secrets);

        Assert.Contains("Nodes: [GET] http://127.0.0.1:7071/Nodes (function key)", Lines(banner));
    }

    [Fact]
    public void Puts_the_route_prefix_in_http_urls()
    {
        var banner = FunctionBanner.Render(Functions, "http://localhost:7071", Options("api"), Configuration, secrets: null);

        Assert.Contains("GetObject: [GET,HEAD] http://localhost:7071/api/objects/{name}", Lines(banner));
    }

    [Fact]
    public void An_unresolvable_schedule_fails_the_banner()
    {
        Assert.Throws<FunctionIndexingException>(() =>
            FunctionBanner.Render(Functions, "http://localhost:7071", Options(), new ConfigurationBuilder().Build(), secrets: null));
    }
}
