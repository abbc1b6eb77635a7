using System.Diagnostics;

namespace ObjectStore.IntegrationTests.Infrastructure;

/// <summary>
/// Real RabbitMQ, Azurite and a 3-member etcd cluster for the whole test run. <c>./test</c> starts them once and passes their state
/// directory in <c>OBJECTSTORE_TEST_INFRA</c>; run alone (an IDE, <c>dotnet test</c>), the fixture starts its own
/// with the same script and stops it afterwards.
/// </summary>
public sealed class InfraFixture : IAsyncLifetime
{
    private bool _owned;

    public string StateDir { get; private set; } = string.Empty;

    public string RabbitMQConnection { get; private set; } = string.Empty;

    public string AzureWebJobsStorage { get; private set; } = string.Empty;

    /// <summary>Client URLs of the three etcd members, comma-separated (the apps' <c>EtcdEndpoints</c> setting).</summary>
    public string EtcdEndpoints { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var shared = Environment.GetEnvironmentVariable("OBJECTSTORE_TEST_INFRA");
        if (!string.IsNullOrEmpty(shared) && File.Exists(Path.Combine(shared, "infra.env")))
        {
            StateDir = shared;
        }
        else
        {
            StateDir = Path.Combine(Path.GetTempPath(), "objectstore-it-" + Guid.NewGuid().ToString("N")[..8]);
            _owned = true;
            await RunScriptAsync("start");
        }

        var values = File.ReadAllLines(Path.Combine(StateDir, "infra.env"))
            .Where(l => l.Contains('=') && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1].Trim('\'', '"'));
        RabbitMQConnection = values["RabbitMQConnection"];
        AzureWebJobsStorage = values["AzureWebJobsStorage"];
        EtcdEndpoints = values["EtcdEndpoints"];
    }

    public async Task DisposeAsync()
    {
        if (_owned)
        {
            await RunScriptAsync("stop");
            Directory.Delete(StateDir, recursive: true);
        }
    }

    public Task StopRabbitMQAsync() => RunScriptAsync("stop-rabbitmq");

    public Task StartRabbitMQAsync() => RunScriptAsync("start-rabbitmq");

    public Task StopAzuriteAsync() => RunScriptAsync("stop-azurite");

    public Task StartAzuriteAsync() => RunScriptAsync("start-azurite");

    /// <summary>Stops etcd member 1, 2 or 3 (its data stays; <see cref="StartEtcdMemberAsync"/> brings it back).</summary>
    public Task StopEtcdMemberAsync(int member) => RunScriptAsync("stop-etcd", member.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public Task StartEtcdMemberAsync(int member) => RunScriptAsync("start-etcd", member.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private async Task RunScriptAsync(string command, params string[] arguments)
    {
        var info = new ProcessStartInfo(Path.Combine(Repository.Root, "scripts", "infra"), [command, StateDir, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/infra {command} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<InfraFixture>
{
    /// <summary>One collection: the tests share one broker and restart it, so they run one after another.</summary>
    public const string Name = "cluster";
}
