using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.Tests.Support;

/// <summary>A <see cref="LocalVolumeStore"/> on a directory of its own, with a clock the test moves.</summary>
internal sealed class TestVolume : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public TestVolume()
    {
        Store = new LocalVolumeStore(Options.Create(new DataNodeOptions { StorageRoot = _directory.FullPath, PackFileBytes = PackFileBytes }), Time, NullLogger<LocalVolumeStore>.Instance);
    }

    /// <summary>Smaller than a node's 16 MiB: every volume makes a pack ahead of need, and there are hundreds of them.</summary>
    public const long PackFileBytes = 1024 * 1024;

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero));

    public LocalVolumeStore Store { get; }

    public string[] TempFiles => Directory.GetFiles(_directory.Combine("temp"));

    public string[] ObjectFiles => Directory.GetFiles(_directory.Combine("objects"));

    public string[] QuarantineFiles => Directory.GetFiles(_directory.Combine("quarantine"));

    public static string NewTempId() => Guid.NewGuid().ToString("N");

    public string ObjectFile(ContentHash hash) => _directory.Combine("objects", hash.Hex);

    public string TempFile(string tempId) => _directory.Combine("temp", tempId);

    /// <summary>Uploads and commits <paramref name="data"/> the way a data node does.</summary>
    public async Task<ContentHash> StoreAsync(byte[] data)
    {
        var tempId = NewTempId();
        var (hash, _) = await Store.WriteTempAsync(tempId, new UploadStream(data), data.Length, CancellationToken.None);
        Assert.True(Store.Commit(tempId, hash));
        return hash;
    }

    /// <summary>Flips one bit of the stored file at <paramref name="offset"/> (negative: from the end).</summary>
    public void Damage(ContentHash hash, long offset)
    {
        using var file = new FileStream(ObjectFile(hash), FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset >= 0 ? offset : file.Length + offset;
        var value = file.ReadByte();
        file.Position--;
        file.WriteByte((byte)(value ^ 0x01));
    }

    public void Dispose()
    {
        Store.Dispose();
        _directory.Dispose();
    }
}
