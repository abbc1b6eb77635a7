namespace ObjectStore.FileSystem.Meta;

public sealed partial class KvMeta
{
    public async Task<InodeAttributes> OpenAsync(ulong inode, CancellationToken ct)
    {
        var attributes = await GetAttributesAsync(inode, ct);
        _opens.AddOrUpdate(inode, 1, (_, count) => count + 1);
        return attributes;
    }

    public void OpenCreated(ulong inode) => _opens.AddOrUpdate(inode, 1, (_, count) => count + 1);

    public async Task ReleaseAsync(ulong inode, CancellationToken ct)
    {
        var last = false;
        _opens.AddOrUpdate(inode, 0, (_, count) => Math.Max(0, count - 1));
        if (_opens.TryRemove(new KeyValuePair<ulong, int>(inode, 0))) last = true;
        if (last && _sustained.ContainsKey(inode)) await DeleteSustainedAsync(SessionId, inode, ct);
    }
}
