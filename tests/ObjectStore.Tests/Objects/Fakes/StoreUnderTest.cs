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
    public StoreUnderTest(int nodes = 6, Action<ObjectStoreOptions>? configure = null)
    {
        var options = new ObjectStoreOptions { DataShards = 4, ParityShards = 2, ReplicateUpToBytes = 128 * 1024 };
        configure?.Invoke(options);
        Nodes = new FakeDataNodes(options, nodes);
        var wrapped = Options.Create(options);
        var codecs = new ErasureCodecs();
        Placement = new NodePlacement(Nodes.Registry);
        Writer = new ObjectWriter(Metadata, Placement, new StoredContent(Nodes), Nodes, codecs, wrapped, NullLogger<ObjectWriter>.Instance);
        Repairs = new RepairScheduler(Bus, wrapped, Nodes.Time, NullLogger<RepairScheduler>.Instance);
        Reader = new ObjectReader(Metadata, Nodes, Nodes, codecs, Repairs, NullLogger<ObjectReader>.Instance);
    }

    public FakeDataNodes Nodes { get; }

    public InMemoryMetadataStore Metadata { get; } = new();

    public FakeControlBus Bus { get; } = new();

    public NodePlacement Placement { get; }

    public ObjectWriter Writer { get; }

    public ObjectReader Reader { get; }

    public RepairScheduler Repairs { get; }

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
