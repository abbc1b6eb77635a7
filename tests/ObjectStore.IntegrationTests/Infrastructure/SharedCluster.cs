namespace ObjectStore.IntegrationTests.Infrastructure;

/// <summary>
/// A <see cref="TestCluster"/> started once for a whole test class (a class fixture): starting an Api and its data nodes
/// costs a few seconds of CPU, which a test that only reads and writes names of its own need not pay again. Tests that
/// kill nodes, change settings or count every file start their own.
/// </summary>
public abstract class SharedCluster(InfraFixture infra, int dataNodes, int apis = 1, IReadOnlyDictionary<string, string>? settings = null) : IAsyncLifetime
{
    private TestCluster? _cluster;

    public TestCluster Value => _cluster ?? throw new InvalidOperationException("the shared cluster has not started");

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(infra, dataNodes, apis, settings);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
