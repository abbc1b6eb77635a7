using ObjectStore.Storage.Naming;

namespace ObjectStore.Tests.Support;

/// <summary>The files of a <see cref="TestVolume"/> by <see cref="StoredKey"/>, so shard files can be stored and damaged like whole ones.</summary>
internal static class StoredKeyFiles
{
    public static string StoredFile(this TestVolume volume, StoredKey key) => Path.Combine(volume.Store.Root, "objects", key.FileName);

    /// <summary>Uploads <paramref name="data"/> and commits it under <paramref name="key"/> the way a data node does.</summary>
    public static async Task CommitAsAsync(this TestVolume volume, StoredKey key, byte[] data)
    {
        var tempId = TestVolume.NewTempId();
        await volume.Store.WriteTempAsync(tempId, new UploadStream(data), data.Length, CancellationToken.None);
        Assert.True(volume.Store.Commit(tempId, key));
    }

    /// <summary>Flips one bit of the file stored under <paramref name="key"/> at <paramref name="offset"/> (negative: from the end).</summary>
    public static void DamageStored(this TestVolume volume, StoredKey key, long offset)
    {
        using var file = new FileStream(volume.StoredFile(key), FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset >= 0 ? offset : file.Length + offset;
        var value = file.ReadByte();
        file.Position--;
        file.WriteByte((byte)(value ^ 0x01));
    }
}
