using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ObjectStore.FileSystem.Data;
using ObjectStore.FileSystem.Meta;
using ObjectStore.FileSystem.Meta.Kv;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests.FileSystemData;

/// <summary>
/// File contents through <see cref="FileData"/> on a real Api and data nodes, with the namespace in the real etcd
/// cluster: large and odd-sized files round-trip between two "mounts", deleted slices leave the store, and an Api
/// that goes away gives EIO in bounded time and is used again when it is back.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class FileDataOnClusterTests(InfraFixture infra) : IAsyncLifetime
{
    private const int MiB = 1 << 20;
    private readonly string _volume = "it" + Guid.NewGuid().ToString("N")[..10];
    private readonly List<IAsyncDisposable> _owned = [];
    private TestCluster _cluster = null!;

    // The collector runs every second with a 5 s grace period, so that freed slice bytes are seen to leave the nodes.
    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(infra, dataNodes: 3, settings: new Dictionary<string, string>
    {
        ["ObjectStore__CollectSchedule"] = "*/1 * * * * *",
        ["ObjectStore__ContentGracePeriod"] = "00:00:05",
    });

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_64_MiB_file_and_odd_sizes_written_by_one_mount_read_back_identical_in_another()
    {
        var meta = await MetaAsync();
        var writerMount = Mount(meta);
        var sizes = new[] { 64 * MiB + 12_345, 1, 4 * MiB - 1, 4 * MiB + 1, 9_999_991 };
        var files = new List<(ulong Inode, byte[] Content)>();
        foreach (var size in sizes)
        {
            var entry = await meta.MakeNodeAsync(IFileSystemMeta.RootInode, $"f{size}", InodeType.File, 0x1A4, 0, 0, 0, CancellationToken.None);
            var content = TestData.Bytes(size, seed: size);
            await using (var handle = writerMount.Open(entry.Inode, await meta.OpenAsync(entry.Inode, CancellationToken.None)))
            {
                // Odd write sizes, as a program would issue them, not aligned to anything.
                for (var at = 0; at < size;)
                {
                    var n = Math.Min(size - at, 100_003);
                    await handle.WriteAsync(at, content.AsMemory(at, n), CancellationToken.None);
                    at += n;
                }

                await handle.FlushAsync(CancellationToken.None);
            }

            files.Add((entry.Inode, content));
        }

        var readerMeta = await MetaAsync();
        var readerMount = Mount(readerMeta);
        foreach (var (inode, content) in files)
        {
            var attributes = await readerMeta.OpenAsync(inode, CancellationToken.None);
            Assert.Equal((ulong)content.Length, attributes.Length);
            await using var handle = readerMount.Open(inode, attributes);
            var read = new byte[content.Length];
            for (var at = 0; at < read.Length;)
            {
                var n = await handle.ReadAsync(at, read.AsMemory(at, Math.Min(read.Length - at, 128 * 1024)), CancellationToken.None);
                Assert.True(n > 0);
                at += n;
            }

            Assert.Equal(SHA256.HashData(content), SHA256.HashData(read));
            var at3 = content.Length / 3;
            var piece = new byte[Math.Min(5000, content.Length - at3)];
            Assert.Equal(piece.Length, await handle.ReadAsync(at3, new byte[5000], CancellationToken.None));
            Assert.Equal(piece.Length, await handle.ReadAsync(at3, piece, CancellationToken.None));
            Assert.Equal(content.AsSpan(at3, piece.Length).ToArray(), piece);
        }
    }

    [Fact]
    public async Task Slices_cut_away_by_a_truncate_are_purged_from_the_store_their_bytes_freed_and_the_rest_still_reads()
    {
        var meta = await MetaAsync();
        var mount = Mount(meta);
        var entry = await meta.MakeNodeAsync(IFileSystemMeta.RootInode, "big", InodeType.File, 0x1A4, 0, 0, 0, CancellationToken.None);
        var content = TestData.Bytes(70 * MiB, seed: 70);
        await using var handle = mount.Open(entry.Inode, await meta.OpenAsync(entry.Inode, CancellationToken.None));
        await handle.WriteAsync(0, content, CancellationToken.None);
        await handle.FlushAsync(CancellationToken.None);
        var second = (await meta.ReadChunkAsync(entry.Inode, 1, CancellationToken.None)).Single().Slice;
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(second.Id, 0));
        var cutAway = content.AsSpan(64 * MiB, FileLayout.BlockSize).ToArray();
        Assert.NotEmpty(_cluster.CopiesOf(cutAway));

        await handle.TruncateAsync(10 * MiB, CancellationToken.None);
        Assert.Equal(1, await mount.CollectDeletedSlicesAsync(CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(second.Id, 0));
        // Purged, not marked deleted: no version is left, and the collector frees the bytes after its grace period.
        Assert.Equal(HttpStatusCode.NotFound, (await _cluster.Client.GetAsync("/versions/" + SliceObjects.BlockName(_volume, second.Id, 0))).StatusCode);
        await Eventually.TrueAsync(() => !_cluster.CopiesOf(cutAway).Any(), TimeSpan.FromSeconds(60), "the cut-away block's bytes deleted from the nodes");

        var first = (await meta.ReadChunkAsync(entry.Inode, 0, CancellationToken.None)).First(s => s.Slice.Id != 0).Slice;
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(first.Id, 0));
        var read = new byte[MiB];
        Assert.Equal(MiB, await handle.ReadAsync(9 * MiB, read, CancellationToken.None));
        Assert.Equal(content.AsSpan(9 * MiB, MiB).ToArray(), read);
        Assert.Equal(0, await handle.ReadAsync(10 * MiB, read, CancellationToken.None));
    }

    [Fact]
    public async Task Without_the_Api_a_flush_fails_with_EIO_in_bounded_time_and_succeeds_once_it_is_back()
    {
        var meta = await MetaAsync();
        var mount = Mount(meta);
        var entry = await meta.MakeNodeAsync(IFileSystemMeta.RootInode, "outage", InodeType.File, 0x1A4, 0, 0, 0, CancellationToken.None);
        var content = TestData.Bytes(6 * MiB, seed: 6);
        await using var handle = mount.Open(entry.Inode, await meta.OpenAsync(entry.Inode, CancellationToken.None));
        await handle.WriteAsync(0, content, CancellationToken.None);

        var api = _cluster.Apis[0];
        await api.KillAsync();
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<FileSystemException>(() => handle.FlushAsync(CancellationToken.None));
        Assert.Equal(Errno.EIO, error.Errno);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"EIO after {clock.Elapsed}");

        await api.StartAsync();
        await _cluster.WaitForLiveNodesAsync(3);
        await handle.FlushAsync(CancellationToken.None);

        var otherMount = Mount(await MetaAsync());
        await using var other = otherMount.Open(entry.Inode, await meta.OpenAsync(entry.Inode, CancellationToken.None));
        var read = new byte[content.Length];
        for (var at = 0; at < read.Length;)
        {
            at += await other.ReadAsync(at, read.AsMemory(at), CancellationToken.None);
        }

        Assert.Equal(content, read);
    }

    private async Task<HttpStatusCode> StatusAsync(ulong sliceId, int block)
    {
        using var response = await _cluster.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/objects/" + SliceObjects.BlockName(_volume, sliceId, block)));
        return response.StatusCode;
    }

    private async Task<IFileSystemMeta> MetaAsync()
    {
        var options = new FileSystemMetaOptions { Volume = _volume, EtcdEndpoints = infra.EtcdEndpoints, DeletedSliceGracePeriod = TimeSpan.Zero };
        var meta = new KvMeta(new EtcdKv(infra.EtcdEndpoints), options, TimeProvider.System, NullLogger<KvMeta>.Instance);
        _owned.Add(meta);
        await meta.StartSessionAsync(CancellationToken.None);
        return meta;
    }

    private FileData Mount(IFileSystemMeta meta)
    {
        var data = FileData.Create(meta, Options.Create(new FileDataOptions
        {
            ApiEndpoint = _cluster.Apis[0].BaseUrl,
            Volume = _volume,
            Retries = 3,
            RetryDelay = TimeSpan.FromMilliseconds(200),
        }));
        _owned.Add(data);
        return data;
    }
}
