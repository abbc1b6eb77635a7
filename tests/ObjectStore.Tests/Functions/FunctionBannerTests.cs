using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using ObjectStore.Functions;
using ObjectStore.Functions.Hosting;

namespace ObjectStore.Tests.Functions;

public sealed class FunctionBannerTests
{
    public sealed class BannerFunctions
    {
        [Function("GetObject")]
        public void Get([HttpTrigger("GET", "HEAD", Route = "objects/{name}")] HttpRequest request) => _ = request;

        [Function("Nodes")]
        public void Nodes([HttpTrigger("GET")] HttpRequest request) => _ = request;

        [Function("CleanTemp")]
        public void Clean([TimerTrigger("%Schedules:CleanTemp%")] TimerInfo timer) => _ = timer;

        [Function("ExpireDeadNodes")]
        public void Expire([TimerTrigger("*/2 * * * * *", Singleton = false)] TimerInfo timer) => _ = timer;

        [Function("RecordHeartbeat")]
        public void Record([RabbitMQTrigger(Exchange = "%Exchanges:Heartbeat%")] string message) => _ = message;

        [Function("Work")]
        public void Work([RabbitMQTrigger("work-queue")] string message) => _ = message;
    }

    private static readonly IReadOnlyList<FunctionDescriptor> Functions = FunctionDiscovery.Discover([typeof(BannerFunctions)]);

    private static readonly IConfiguration Configuration = new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Schedules:CleanTemp"] = "0 */5 * * * *",
            ["Exchanges:Heartbeat"] = "apiServers",
        })
        .Build();

    private static string[] Lines(string banner) =>
        banner.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Lists_every_function_with_its_trigger_and_http_urls_with_methods()
    {
        var banner = FunctionBanner.Render(Functions, "http://127.0.0.1:7071/", string.Empty, Configuration);

        Assert.Equal(
            [
                "Functions:",
                "CleanTemp: timerTrigger (0 */5 * * * *, singleton)",
                "ExpireDeadNodes: timerTrigger (*/2 * * * * *)",
                "GetObject: [GET,HEAD] http://127.0.0.1:7071/objects/{name}",
                "Nodes: [GET] http://127.0.0.1:7071/Nodes",
                "RecordHeartbeat: rabbitMQTrigger (exchange apiServers)",
                "Work: rabbitMQTrigger (queue work-queue)",
            ],
            Lines(banner));
    }

    [Fact]
    public void Puts_the_route_prefix_in_http_urls()
    {
        var banner = FunctionBanner.Render(Functions, "http://localhost:7071", "api", Configuration);

        Assert.Contains("GetObject: [GET,HEAD] http://localhost:7071/api/objects/{name}", Lines(banner));
    }

    [Fact]
    public void An_unresolvable_schedule_fails_the_banner()
    {
        Assert.Throws<FunctionIndexingException>(() =>
            FunctionBanner.Render(Functions, "http://localhost:7071", string.Empty, new ConfigurationBuilder().Build()));
    }
}
