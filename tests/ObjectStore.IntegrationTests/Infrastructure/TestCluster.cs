using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;

namespace ObjectStore.IntegrationTests.Infrastructure;

/// <summary>
/// An Api (or several) and data nodes as processes on loopback, on the shared broker, Azurite and etcd but with exchanges,
/// a metadata container and an etcd key prefix of their own, so clusters of different tests never hear each other. Heartbeats are
/// every second and nodes expire after 3 s so membership tests are quick. The default layout is RS(2,1) (small objects:
/// 2 copies), so that three data nodes make a redundant cluster; tests of RS(4,2) say so.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public static readonly TimeSpan NodeExpiry = TimeSpan.FromSeconds(3);

    private readonly InfraFixture _infra;
    private readonly Dictionary<string, string> _common;

    private TestCluster(InfraFixture infra, string directory, IReadOnlyDictionary<string, string>? settings)
    {
        _infra = infra;
        Directory = directory;
        var id = Path.GetFileName(directory);
        _common = new Dictionary<string, string>
        {
            ["RabbitMQConnection"] = infra.RabbitMQConnection,
            ["AzureWebJobsStorage"] = infra.AzureWebJobsStorage,
            ["EtcdEndpoints"] = infra.EtcdEndpoints,
            ["ObjectStore__EtcdPrefix"] = $"it-{id}",
            ["ObjectStore__HeartbeatExchange"] = $"apiServers-{id}",
            ["ObjectStore__LocateExchange"] = $"dataServers-{id}",
            ["ObjectStore__MetadataContainer"] = $"meta-{id}",
            ["ObjectStore__HeartbeatSchedule"] = "*/1 * * * * *",
            ["ObjectStore__ExpireDeadNodesSchedule"] = "*/1 * * * * *",
            ["ObjectStore__NodeExpiry"] = NodeExpiry.ToString(),
            ["AzureFunctionsJobHost__id"] = $"it-{id}",
            // Api and data nodes share the host id here, so the Api finds the nodes' function key under it.
            ["DataNodeHostId"] = $"it-{id}",
            ["ObjectStore__DataShards"] = "2",
            ["ObjectStore__ParityShards"] = "1",
            ["ObjectStore__RepairQueue"] = $"repairs-{id}",
            ["ObjectStore__MetadataExchange"] = $"apiMetadata-{id}",
            ["ObjectStore__RepairScanSchedule"] = "*/2 * * * * *",
            ["ObjectStore__RepairGracePeriod"] = "00:00:03",
            ["ObjectStore__ScrubSchedule"] = "*/5 * * * * *",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            _common[key] = value;
        }
    }

    public string Directory { get; }

    public List<AppProcess> Apis { get; } = [];

    public List<AppProcess> Nodes { get; } = [];

    public HttpClient Client { get; private set; } = null!;

    public string HeartbeatExchange => _common["ObjectStore__HeartbeatExchange"];

    public string LocateExchange => _common["ObjectStore__LocateExchange"];

    /// <summary>This cluster's key prefix in etcd.</summary>
    public string EtcdPrefix => _common["ObjectStore__EtcdPrefix"];

    /// <summary>The function app id the Api and the data nodes share (their keys are kept under it).</summary>
    public string HostId => _common["AzureFunctionsJobHost__id"];

    /// <summary>The master key and the default function key that the apps of <paramref name="hostId"/> created in Azurite, as the Functions host keeps them.</summary>
    public static async Task<(string Master, string Default)> StoredKeysAsync(InfraFixture infra, string hostId)
    {
        var blob = new BlobContainerClient(infra.AzureWebJobsStorage, "azure-webjobs-secrets").GetBlobClient($"{hostId}/host.json");
        using var document = JsonDocument.Parse((await blob.DownloadContentAsync()).Value.Content.ToString());
        var root = document.RootElement;
        var function = root.GetProperty("functionKeys").EnumerateArray().Single(k => k.GetProperty("name").GetString() == "default");
        return (root.GetProperty("masterKey").GetProperty("value").GetString()!, function.GetProperty("value").GetString()!);
    }

    /// <summary>The key a client must present to the data nodes' Function-level routes.</summary>
    public async Task<string> DataNodeKeyAsync() => (await StoredKeysAsync(_infra, HostId)).Default;

    public static async Task<TestCluster> StartAsync(InfraFixture infra, int dataNodes, int apis = 1, IReadOnlyDictionary<string, string>? settings = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "objectstore-cluster-" + Guid.NewGuid().ToString("N")[..10]);
        System.IO.Directory.CreateDirectory(directory);
        var cluster = new TestCluster(infra, directory, settings);
        try
        {
            var starts = Enumerable.Range(0, apis).Select(_ => cluster.AddApiAsync())
                .Concat(Enumerable.Range(0, dataNodes).Select(_ => cluster.AddDataNodeAsync()));
            await Task.WhenAll(starts);
            cluster.Client = cluster.ClientFor(cluster.Apis[0]);
            if (dataNodes > 0)
            {
                await cluster.WaitForLiveNodesAsync(dataNodes);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public HttpClient ClientFor(AppProcess api) =>
        new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(api.BaseUrl), Timeout = TimeSpan.FromMinutes(5) };

    public async Task<AppProcess> AddApiAsync()
    {
        AppProcess api;
        lock (Apis)
        {
            var environment = new Dictionary<string, string>(_common) { ["LISTEN_ADDRESS"] = $"127.0.0.1:{LoopbackPorts.Take()}" };
            api = new AppProcess($"api{Apis.Count + 1}", Repository.AppDll("Api", "ObjectStore.Api"), environment, Directory);
            Apis.Add(api);
        }

        await api.StartAsync();
        return api;
    }

    public async Task<AppProcess> AddDataNodeAsync()
    {
        AppProcess node;
        lock (Nodes)
        {
            var name = $"node{Nodes.Count + 1}";
            var environment = new Dictionary<string, string>(_common)
            {
                ["LISTEN_ADDRESS"] = $"127.0.0.1:{LoopbackPorts.Take()}",
                ["STORAGE_ROOT"] = Path.Combine(Directory, name),
            };
            node = new AppProcess(name, Repository.AppDll("DataNode", "ObjectStore.DataNode"), environment, Directory);
            Nodes.Add(node);
        }

        await node.StartAsync();
        return node;
    }

    public string StorageRoot(AppProcess node) => Path.Combine(Directory, node.Name);

    /// <summary>Files under the data nodes' <c>objects/</c> folders holding this content (whole copies or shards).</summary>
    public IEnumerable<string> FilesOf(byte[] body) => FilesOf(TestData.Sha256Hex(body));

    public IEnumerable<string> FilesOf(string contentHash)
    {
        var ids = TestData.StorageIds(contentHash);
        return StoredObjectFiles().Where(f => ids.Contains(Path.GetFileName(f).Split('.')[0]));
    }

    /// <summary>Every file under the data nodes' <c>objects/</c> folders.</summary>
    public IEnumerable<string> StoredObjectFiles() =>
        Nodes.SelectMany(n => System.IO.Directory.EnumerateFiles(Path.Combine(StorageRoot(n), "objects")));

    public IEnumerable<string> TempFiles() =>
        Nodes.SelectMany(n => System.IO.Directory.EnumerateFiles(Path.Combine(StorageRoot(n), "temp")));

    public async Task<IReadOnlyList<string>> LiveNodesAsync(HttpClient? client = null)
    {
        using var document = JsonDocument.Parse(await (client ?? Client).GetStringAsync("/nodes"));
        return document.RootElement.EnumerateArray().Select(n => n.GetProperty("address").GetString()!).ToList();
    }

    /// <summary>Polls <c>/nodes</c> until it lists exactly these nodes; bounded, so a broken cluster fails rather than hangs.</summary>
    public async Task WaitForNodesAsync(IEnumerable<AppProcess> expected, TimeSpan? timeout = null, HttpClient? client = null)
    {
        var want = expected.Select(n => n.Address).OrderBy(a => a, StringComparer.Ordinal).ToList();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        IReadOnlyList<string> live = [];
        while (DateTime.UtcNow < deadline)
        {
            live = await LiveNodesAsync(client);
            if (live.OrderBy(a => a, StringComparer.Ordinal).SequenceEqual(want))
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"live nodes [{string.Join(", ", live)}], expected [{string.Join(", ", want)}]");
    }

    public Task WaitForLiveNodesAsync(int count) => WaitForNodesAsync(Nodes.Where(n => n.IsRunning).Take(count));

    public async Task<(int Status, string Body)> PutAsync(string path, HttpContent content)
    {
        using var response = await Client.PutAsync(path, content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<long> PutVersionAsync(string path, byte[] body)
    {
        using var response = await Client.PutAsync(path, new ByteArrayContent(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("version").GetInt64();
    }

    public string Logs() => string.Join("\n", Apis.Concat(Nodes).Select(p => $"==== {p.Name}\n{p.Log}"));

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        await Task.WhenAll(Apis.Concat(Nodes).Select(p => p.DisposeAsync().AsTask()));
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
