using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;

namespace ObjectStore.Tests.Support;

/// <summary>The stored bytes of a <see cref="TestVolume"/> by <see cref="StoredKey"/>, so shards, files and packed records can be stored and damaged alike.</summary>
internal static class StoredKeyFiles
{
    public static string StoredFile(this TestVolume volume, StoredKey key) => Path.Combine(volume.Store.Root, "objects", key.FileName);

    /// <summary>Where <paramref name="key"/>'s file bytes lie: its live record in a pack (the latest), or its own file.</summary>
    public static (string Path, long Start, long Length) StoredBytes(this TestVolume volume, StoredKey key)
    {
        var packed = PackFile.LiveRecords(Path.Combine(volume.Store.Root, "packs")).Where(r => r.Record.Key == key.FileName).ToList();
        if (packed.Count == 1)
        {
            return (packed[0].Pack, packed[0].Record.DataOffset, packed[0].Record.FileLength);
        }

        var file = volume.StoredFile(key);
        return (file, 0, new FileInfo(file).Length);
    }

    /// <summary>Uploads <paramref name="data"/> and commits it under <paramref name="key"/> the way a data node does.</summary>
    public static async Task CommitAsAsync(this TestVolume volume, StoredKey key, byte[] data)
    {
        var tempId = TestVolume.NewTempId();
        await volume.Store.WriteTempAsync(tempId, new UploadStream(data), data.Length, CancellationToken.None);
        Assert.True(volume.Store.Commit(tempId, key));
    }

    /// <summary>Flips one bit of what is stored under <paramref name="key"/> at <paramref name="offset"/> (negative: from the end).</summary>
    public static void DamageStored(this TestVolume volume, StoredKey key, long offset)
    {
        var (path, start, length) = volume.StoredBytes(key);
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        file.Position = start + (offset >= 0 ? offset : length + offset);
        var value = file.ReadByte();
        file.Position--;
        file.WriteByte((byte)(value ^ 0x01));
    }
}
