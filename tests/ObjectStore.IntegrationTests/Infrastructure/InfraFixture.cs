using System.Diagnostics;

namespace ObjectStore.IntegrationTests.Infrastructure;

/// <summary>
/// Real RabbitMQ and Azurite for the whole test run. <c>./test</c> starts them once and passes their state
/// directory in <c>OBJECTSTORE_TEST_INFRA</c>; run alone (an IDE, <c>dotnet test</c>), the fixture starts its own
/// with the same script and stops it afterwards.
/// </summary>
public sealed class InfraFixture : IAsyncLifetime
{
    private bool _owned;

    public string StateDir { get; private set; } = string.Empty;

    public string RabbitMQConnection { get; private set; } = string.Empty;

    public string AzureWebJobsStorage { get; private set; } = string.Empty;

    /// <summary>Every setting of <c>infra.env</c>, for processes that need all of them (<c>./run</c>).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; private set; } = new Dictionary<string, string>();

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
        Settings = values;
        RabbitMQConnection = values["RabbitMQConnection"];
        AzureWebJobsStorage = values["AzureWebJobsStorage"];
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

    private async Task RunScriptAsync(string command)
    {
        var info = new ProcessStartInfo(Path.Combine(Repository.Root, "scripts", "infra"), [command, StateDir])
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
