using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ObjectStore.Storage;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Tests.Objects.Fakes;

/// <summary>An <see cref="ObjectWriter"/> and <see cref="ObjectReader"/> on fake nodes, in-memory metadata and a recording bus.</summary>
internal sealed class StoreUnderTest
{
    public StoreUnderTest(int nodes = 6, Action<ObjectStoreOptions>? configure = null, bool tracksContent = false)
    {
        Metadata = new InMemoryMetadataStore(tracksContent);
        // Repairs unpaced: the fake clock does not move by itself.
        var options = new ObjectStoreOptions { DataShards = 4, ParityShards = 2, ReplicateUpToBytes = 128 * 1024, RepairBytesPerSecond = long.MaxValue, ReadCacheBytes = 0 };
        configure?.Invoke(options);
        Nodes = new FakeDataNodes(options, nodes);
        var wrapped = Options.Create(options);
        var codecs = new ErasureCodecs();
        Cache = new ContentCache(wrapped);
        Placement = new NodePlacement(Nodes.Registry, wrapped);
        Writer = new ObjectWriter(Metadata, Placement, new StoredContent(Metadata, Nodes), Nodes, new NodeStores(Nodes, wrapped), Nodes, codecs, Cache, wrapped, NullLogger<ObjectWriter>.Instance);
        Repairs = new RepairScheduler(Bus, wrapped, Nodes.Time, NullLogger<RepairScheduler>.Instance);
        Reader = new ObjectReader(Metadata, Nodes, Nodes, codecs, Cache, Repairs, NullLogger<ObjectReader>.Instance);
        Repairer = new ShardRepairer(Nodes, Placement, Nodes, codecs, wrapped, Nodes.Time, NullLogger<ShardRepairer>.Instance);
    }

    public FakeDataNodes Nodes { get; }

    /// <summary>Without content records (as on Blob Storage) unless the test asks for them (as on etcd).</summary>
    public InMemoryMetadataStore Metadata { get; }

    public FakeControlBus Bus { get; } = new();

    public NodePlacement Placement { get; }

    public ObjectWriter Writer { get; }

    public ObjectReader Reader { get; }

    public RepairScheduler Repairs { get; }

    /// <summary>Off unless the test turns it on (<see cref="ObjectStoreOptions.ReadCacheBytes"/>): most tests are about the nodes.</summary>
    public ContentCache Cache { get; }

    public ShardRepairer Repairer { get; }

    /// <summary>The node stops answering and its heartbeats stop: after the expiry period it is no longer live.</summary>
    public void Kill(FakeDataNode node)
    {
        node.Dead = true;
        Nodes.Time.Advance(Nodes.Options.NodeExpiry + TimeSpan.FromSeconds(1));
        foreach (var other in Nodes.All.Where(n => !n.Dead))
        {
            Nodes.Beat(other);
        }
    }

    /// <summary>Nodes holding any piece of this version, and how many pieces in all.</summary>
    public IReadOnlyList<FakeDataNode> Holders(ObjectVersion version)
    {
        var layout = ObjectLayout.Parse(version.Layout);
        var id = layout.StorageId(ContentHash.TryParse(version.Hash, out var h) ? h : throw new ArgumentException(version.Hash)).Hex;
        return Nodes.All.Where(n => n.Objects.Keys.Any(k => k.Split('.')[0] == id)).ToList();
    }

    public static ObjectName Name(string name) => ObjectName.TryCreate(name, out var parsed, out _) ? parsed! : throw new ArgumentException(name);

    public static ContentHash HashOf(byte[] data) => ContentHash.FromBytes(SHA256.HashData(data));

    public Task<ObjectVersion> PutAsync(string name, byte[] data, long? contentLength = -1, ContentHash? digest = null) =>
        PutAsync(name, new MemoryStream(data), contentLength == -1 ? data.Length : contentLength, digest);

    public Task<ObjectVersion> PutAsync(string name, Stream body, long? contentLength, ContentHash? digest = null) =>
        Writer.PutAsync(Name(name), body, contentLength, digest, CancellationToken.None);

    public async Task<byte[]> GetAsync(string name, ByteRange? range = null)
    {
        var version = await Reader.GetVersionAsync(Name(name), null, CancellationToken.None);
        if (version.Size == 0)
        {
            return [];
        }

        await using var source = await Reader.OpenAsync(version, range, CancellationToken.None);
        var output = new MemoryStream();
        await source.CopyToAsync(output, 64 * 1024, CancellationToken.None);
        return output.ToArray();
    }
}
