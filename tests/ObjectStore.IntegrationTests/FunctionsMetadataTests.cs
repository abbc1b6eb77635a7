using System.Text.Json;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests;

/// <summary>
/// What the Worker SDK's build wrote into functions.metadata, the file the Functions host indexes: every function of
/// both apps with its trigger, route, methods, key level, schedule or queue. Guards the attributes against drifting
/// from what the apps are meant to expose, under either host.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static Dictionary<string, JsonElement> Triggers(string app, string assembly)
    {
        var path = Path.Combine(Path.GetDirectoryName(Repository.AppDll(app, assembly))!, "functions.metadata");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().ToDictionary(
            f => f.GetProperty("name").GetString()!,
            f =>
            {
                Assert.Equal("dotnet-isolated", f.GetProperty("language").GetString());
                Assert.Equal(assembly + ".dll", f.GetProperty("scriptFile").GetString());
                return f.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)).Clone();
            });
    }

    private static string Describe(JsonElement trigger)
    {
        string Get(string name) => trigger.TryGetProperty(name, out var value) ? value.ToString() : "-";
        return trigger.GetProperty("type").GetString() switch
        {
            "httpTrigger" => $"http {Get("authLevel")} {string.Join(",", trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()))} {Get("route")}",
            "timerTrigger" => $"timer {Get("schedule")} runOnStartup={Get("runOnStartup")}",
            "rabbitMQTrigger" => $"rabbitMQ {Get("queueName")} {Get("connectionStringSetting")}",
            var other => other!,
        };
    }

    [Fact]
    public void The_api_exposes_its_object_routes_anonymously_and_its_background_functions_on_settings()
    {
        var api = Triggers("Api", "ObjectStore.Api").ToDictionary(f => f.Key, f => Describe(f.Value));

        Assert.Equal(
            new SortedDictionary<string, string>
            {
                ["CollectGarbage"] = "timer %ObjectStore:CollectSchedule% runOnStartup=-",
                ["DeleteObject"] = "http Anonymous delete objects/{*name}",
                ["ExpireDeadNodes"] = "timer %ObjectStore:ExpireDeadNodesSchedule% runOnStartup=-",
                ["ForgetCachedMetadata"] = "rabbitMQ %ObjectStore:MetadataQueue% RabbitMQConnection",
                ["GetObject"] = "http Anonymous get objects/{*name}",
                ["HeadObject"] = "http Anonymous head objects/{*name}",
                ["ListNames"] = "http Anonymous get names",
                ["ListNodes"] = "http Anonymous get nodes",
                ["ListVersions"] = "http Anonymous get versions/{*name}",
                ["LocateObject"] = "http Anonymous get locate/{*name}",
                ["PurgeObject"] = "http Anonymous delete versions/{*name}",
                ["PutObject"] = "http Anonymous put objects/{*name}",
                ["RecordHeartbeat"] = "rabbitMQ %ObjectStore:HeartbeatQueue% RabbitMQConnection",
                ["RepairObject"] = "rabbitMQ %ObjectStore:RepairQueue% RabbitMQConnection",
                ["ScanForLostShards"] = "timer %ObjectStore:RepairScanSchedule% runOnStartup=-",
            },
            new SortedDictionary<string, string>(api));
    }

    [Fact]
    public void The_data_node_routes_need_a_function_key()
    {
        var node = Triggers("DataNode", "ObjectStore.DataNode").ToDictionary(f => f.Key, f => Describe(f.Value));

        Assert.Equal(
            new SortedDictionary<string, string>
            {
                ["CheckObject"] = "http Function head objects/{key}",
                ["CleanTemp"] = "timer %ObjectStore:CleanTempSchedule% runOnStartup=True",
                ["CommitTemp"] = "http Function post temp/{id}/commit/{key}",
                ["CompactPacks"] = "timer %ObjectStore:CompactSchedule% runOnStartup=-",
                ["DeleteObject"] = "http Function delete objects/{key}",
                ["DeleteTemp"] = "http Function delete temp/{id}",
                ["Heartbeat"] = "timer %ObjectStore:HeartbeatSchedule% runOnStartup=True",
                ["ListObjects"] = "http Function get objects",
                ["Locate"] = "rabbitMQ %ObjectStore:LocateQueue% RabbitMQConnection",
                ["ReadObject"] = "http Function get objects/{key}",
                ["ScrubShards"] = "timer %ObjectStore:ScrubSchedule% runOnStartup=-",
                ["StoreBatch"] = "http Function post store-batch",
                ["StoreObject"] = "http Function put objects/{key}",
                ["StoreTemp"] = "http Function put temp/{id}",
            },
            new SortedDictionary<string, string>(node));
    }

    [Fact]
    public void Every_setting_a_trigger_names_is_in_the_sample_settings_that_func_start_would_read()
    {
        // The Functions host resolves %Name% from app settings (local.settings.json Values), not from host.json.
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name.Replace("__", ":", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var named = Triggers("Api", "ObjectStore.Api").Values.Concat(Triggers("DataNode", "ObjectStore.DataNode").Values)
            .SelectMany(t => t.EnumerateObject())
            .Select(p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : string.Empty)
            .Where(v => v.Length > 2 && v[0] == '%' && v[^1] == '%')
            .Select(v => v[1..^1])
            .Distinct()
            .ToList();

        Assert.NotEmpty(named);
        Assert.All(named, setting => Assert.Contains(setting, values));
    }

    [Fact]
    public void The_build_writes_the_worker_config_the_host_starts_the_worker_with()
    {
        foreach (var (app, assembly) in new[] { ("Api", "ObjectStore.Api"), ("DataNode", "ObjectStore.DataNode") })
        {
            var path = Path.Combine(Path.GetDirectoryName(Repository.AppDll(app, assembly))!, "worker.config.json");
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var description = document.RootElement.GetProperty("description");
            Assert.Equal("dotnet-isolated", description.GetProperty("language").GetString());
            Assert.Equal(assembly + ".dll", description.GetProperty("defaultWorkerPath").GetString());
        }
    }
}
