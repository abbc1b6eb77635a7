using System.Diagnostics;
using ObjectStore.FileSystem.Meta.Kv;

namespace ObjectStore.FileSystem.Tests.Meta;

/// <summary>
/// The real 3-member etcd cluster of <c>scripts/infra</c> (the same contract as the integration tests' InfraFixture):
/// <c>./test</c> passes its state directory in <c>OBJECTSTORE_TEST_INFRA</c>; run alone, the fixture starts its own
/// and stops it afterwards. One <see cref="EtcdKv"/> (one client) for the whole run, as in a process.
/// </summary>
public sealed class EtcdClusterFixture : IAsyncLifetime
{
    private bool _owned;

    public string StateDir { get; private set; } = string.Empty;

    public string EtcdEndpoints { get; private set; } = string.Empty;

    public EtcdKv Kv { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var shared = Environment.GetEnvironmentVariable("OBJECTSTORE_TEST_INFRA");
        if (!string.IsNullOrEmpty(shared) && File.Exists(Path.Combine(shared, "infra.env")))
        {
            StateDir = shared;
        }
        else
        {
            StateDir = Path.Combine(Path.GetTempPath(), "objectstore-fs-" + Guid.NewGuid().ToString("N")[..8]);
            _owned = true;
            await RunScriptAsync("start");
        }
        EtcdEndpoints = File.ReadAllLines(Path.Combine(StateDir, "infra.env"))
            .Where(l => l.StartsWith("EtcdEndpoints=", StringComparison.Ordinal))
            .Select(l => l.Split('=', 2)[1].Trim('\'', '"'))
            .Single();
        Kv = new EtcdKv(EtcdEndpoints);
    }

    public async Task DisposeAsync()
    {
        await Kv.DisposeAsync();
        if (_owned)
        {
            await RunScriptAsync("stop");
            Directory.Delete(StateDir, recursive: true);
        }
    }

    /// <summary>Stops etcd member 1, 2 or 3 (its data stays; <see cref="StartEtcdMemberAsync"/> brings it back).</summary>
    public Task StopEtcdMemberAsync(int member) => RunScriptAsync("stop-etcd", member.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public Task StartEtcdMemberAsync(int member) => RunScriptAsync("start-etcd", member.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private async Task RunScriptAsync(string command, params string[] arguments)
    {
        var info = new ProcessStartInfo(Path.Combine(RepositoryRoot(), "scripts", "infra"), [command, StateDir, .. arguments])
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
            throw new InvalidOperationException($"scripts/infra {command} failed ({process.ExitCode}): {await stderr}{await stdout}");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ObjectStore.sln"))) return dir.FullName;
        throw new InvalidOperationException("ObjectStore.sln not found above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class EtcdCollection : ICollectionFixture<EtcdClusterFixture>
{
    /// <summary>One collection: tests stop and start members of the one cluster, so they run one after another.</summary>
    public const string Name = "etcd";
}
