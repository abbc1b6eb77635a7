using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;
using ObjectStore.Storage.Volumes;

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

    /// <summary>The stored copies (whole copies or shards, files or packed records) of this content on the data nodes.</summary>
    public IEnumerable<StoredCopy> CopiesOf(byte[] body) => CopiesOf(TestData.Sha256Hex(body));

    public IEnumerable<StoredCopy> CopiesOf(string contentHash)
    {
        var ids = TestData.StorageIds(contentHash);
        return StoredCopies().Where(c => ids.Contains(c.Key.Split('.')[0]));
    }

    /// <summary>
    /// Every stored copy on the data nodes, running or not: the files under <c>objects/</c> and the live records of the
    /// packs under <c>packs/</c>, read from disk as a node rebuilds its index at start (a deleted record does not count,
    /// and of two live records of a key the later one does: the earlier was replaced or copied forward by a compaction).
    /// </summary>
    public IEnumerable<StoredCopy> StoredCopies() => Nodes.SelectMany(StoredCopies);

    public IEnumerable<StoredCopy> StoredCopies(AppProcess node)
    {
        var root = StorageRoot(node);
        var objects = Path.Combine(root, "objects");
        var files = System.IO.Directory.Exists(objects) ? System.IO.Directory.GetFiles(objects) : [];
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            long length;
            try
            {
                length = new FileInfo(file).Length;
            }
            catch (FileNotFoundException)
            {
                continue;
            }

            yield return new StoredCopy(node, Path.GetFileName(file), file, 0, length, Packed: false);
        }

        foreach (var copy in PackedCopies(node, Path.Combine(root, "packs")))
        {
            yield return copy;
        }
    }

    private static IEnumerable<StoredCopy> PackedCopies(AppProcess node, string packs) =>
        PackFile.LiveRecords(packs)
            .Select(r => new StoredCopy(node, r.Record.Key, r.Pack, r.Record.DataOffset, r.Record.FileLength, Packed: true))
            .OrderBy(c => c.Key, StringComparer.Ordinal);

    /// <summary>
    /// Flips a byte of a stored copy in place, <paramref name="offset"/> bytes into its file bytes (content first, then
    /// block sums and footer): bit rot, which its node finds when it next reads or scrubs the copy, packed or not.
    /// </summary>
    public static void Damage(StoredCopy copy, long offset)
    {
        Assert.InRange(offset, 0, copy.Length - 1);
        using var file = new FileStream(copy.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        file.Position = copy.Start + offset;
        var b = file.ReadByte();
        file.Position = copy.Start + offset;
        file.WriteByte((byte)(b ^ 0x5A));
    }

    /// <summary>The file bytes of a stored copy: what a file of it under <c>objects/</c> holds.</summary>
    public static byte[] FileBytes(StoredCopy copy)
    {
        using var file = new FileStream(copy.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[copy.Length];
        file.Position = copy.Start;
        file.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// Takes copies away as a lost disk block or an operator would. A running node keeps its index of packed records in
    /// memory, so a packed copy is taken away only while its node is down (SIGKILL): its record's header is zeroed, so
    /// the node does not find the record when it starts again (as with a header lost to rot). Those nodes are then
    /// started again and awaited live. A copy in a file of its own is deleted, its node left running.
    /// </summary>
    public async Task RemoveCopiesAsync(IEnumerable<StoredCopy> copies)
    {
        var all = copies.ToList();
        var stopped = all.Where(c => c.Packed).Select(c => c.Node).Distinct().ToList();
        foreach (var node in stopped)
        {
            await node.KillAsync();
        }

        foreach (var copy in all)
        {
            if (copy.Packed)
            {
                using var pack = new FileStream(copy.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
                pack.Position = copy.Start - PackFile.HeaderSize;
                pack.Write(new byte[PackFile.HeaderSize]);
            }
            else
            {
                File.Delete(copy.Path);
            }
        }

        foreach (var node in stopped)
        {
            await node.StartAsync();
        }

        await WaitForNodesAsync(Nodes.Where(n => n.IsRunning));
        foreach (var copy in all)
        {
            Assert.DoesNotContain(StoredCopies(copy.Node), c => c.Key == copy.Key);
        }
    }

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

/// <summary>
/// One stored copy of a whole object or a shard on a data node: a file of its own under <c>objects/</c> (larger ones),
/// or a live record of a pack under <c>packs/</c> (at most <see cref="DataNodeOptions.PackedMaxBytes"/> of content,
/// stored in one request). Either way its file bytes, content, block sums and footer, are <see cref="Length"/> bytes of
/// <see cref="Path"/> from <see cref="Start"/>.
/// </summary>
public sealed record StoredCopy(AppProcess Node, string Key, string Path, long Start, long Length, bool Packed)
{
    /// <summary>Which node holds which key: what a compaction, moving a record into a later pack, leaves as it was.</summary>
    public (string Node, string Key) Id => (Node.Name, Key);

    public override string ToString() => $"{Node.Name}/{Key} ({(Packed ? $"packed in {System.IO.Path.GetFileName(Path)} at {Start}" : "file")}, {Length} bytes)";
}
