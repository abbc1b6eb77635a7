using System.Text.Json;

namespace ObjectStore.FileSystem.Meta;

public sealed partial class KvMeta
{
    /// <summary>
    /// Formats the volume on first use, idempotently and race-free (create-if-absent of the setting key together with
    /// the root and the counters): the root directory is owned by root with mode 0755, as mkfs leaves it.
    /// An existing volume must have been formatted with the same chunk and block sizes.
    /// </summary>
    private async Task FormatAsync(CancellationToken ct)
    {
        var nonce = Random.Shared.NextInt64();
        var created = await RunAsync(async (txn, token) =>
        {
            if (await txn.GetAsync(_keys.Setting, token) is { } existing)
            {
                var setting = JsonSerializer.Deserialize<VolumeSetting>(existing) ?? throw MetaErrors.Corrupt("setting", existing.Length);
                if (setting.ChunkSize != FileLayout.ChunkSize || setting.BlockSize != FileLayout.BlockSize)
                    throw new FileSystemException(Errno.EIO, $"volume {setting.Volume} was formatted with chunks of {setting.ChunkSize} and blocks of {setting.BlockSize} bytes; this build uses {FileLayout.ChunkSize} and {FileLayout.BlockSize}");
                return false;
            }
            var now = NowNs();
            txn.Put(_keys.Setting, JsonSerializer.SerializeToUtf8Bytes(new VolumeSetting(_options.Volume, FileLayout.ChunkSize, FileLayout.BlockSize, now, nonce)));
            txn.PutAttributes(IFileSystemMeta.RootInode, new InodeAttributes(InodeType.Directory, 0x1ED /* 0755 */, 0, 0, 2, 0, 0, now, now, now, IFileSystemMeta.RootInode));
            txn.Put(_keys.Counter(CounterNames.NextInode), CounterCodec.Encode((long)IFileSystemMeta.RootInode + 1, nonce));
            txn.Put(_keys.Counter(CounterNames.NextSlice), CounterCodec.Encode(1, nonce));
            txn.Put(_keys.Counter(CounterNames.UsedSpace), CounterCodec.Encode(4096, nonce));
            txn.Put(_keys.Counter(CounterNames.TotalInodes), CounterCodec.Encode(1, nonce));
            return true;
        }, ct);
        if (created) LogFormatted(_options.Volume);
    }

    private sealed record VolumeSetting(string Volume, int ChunkSize, int BlockSize, long CreatedNs, long Nonce);
}
