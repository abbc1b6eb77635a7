namespace ObjectStore.FileSystem.Meta;

public sealed partial class KvMeta
{
    public Task<byte[]> GetExtendedAttributeAsync(ulong inode, string name, CancellationToken ct)
    {
        Names.ValidateAttributeName(name);
        // ls -l asks for security.selinux and system.posix_acl_access of every entry it has just listed; the kernel for
        // security.capability before every write and chown.
        if (ListedWithoutExtendedAttributes(inode) || CreatedWithoutExtendedAttributes(inode)) return Task.FromException<byte[]>(MetaErrors.NoAttribute(inode, name));
        return RunAsync(async (txn, token) =>
        {
            var values = await txn.GetManyAsync([_keys.Attributes(inode), _keys.ExtendedAttribute(inode, name)], token);
            if (values[0] is null) throw MetaErrors.NoInode(inode);
            return values[1] ?? throw MetaErrors.NoAttribute(inode, name);
        }, ct);
    }

    public Task SetExtendedAttributeAsync(ulong inode, string name, ReadOnlyMemory<byte> value, XattrFlags flags, CancellationToken ct)
    {
        Names.ValidateAttributeName(name);
        if (value.Length > Names.MaxXattrValueBytes) throw MetaErrors.AttributeTooBig(value.Length);
        if (flags == (XattrFlags.Create | XattrFlags.Replace) || (flags & ~(XattrFlags.Create | XattrFlags.Replace)) != 0)
            throw MetaErrors.Invalid($"setxattr flags {flags}");
        var bytes = value.ToArray();
        return RunAsync(async (txn, token) =>
        {
            var values = await txn.GetManyAsync([_keys.Attributes(inode), _keys.ExtendedAttribute(inode, name)], token);
            if (values[0] is not { } attributeValue) throw MetaErrors.NoInode(inode);
            if (values[1] is not null && flags.HasFlag(XattrFlags.Create)) throw MetaErrors.AttributeExists(inode, name);
            if (values[1] is null && flags.HasFlag(XattrFlags.Replace)) throw MetaErrors.NoAttribute(inode, name);
            txn.PutAttributes(inode, AttributeCodec.Decode(attributeValue) with { CtimeNs = NowNs() });
            txn.Put(_keys.ExtendedAttribute(inode, name), bytes);
            return true;
        }, ct);
    }

    public Task<IReadOnlyList<string>> ListExtendedAttributesAsync(ulong inode, CancellationToken ct) =>
        ListedWithoutExtendedAttributes(inode) || CreatedWithoutExtendedAttributes(inode) ? Task.FromResult<IReadOnlyList<string>>([]) : RunAsync<IReadOnlyList<string>>(async (txn, token) =>
        {
            await txn.RequireAttributesAsync(inode, token);
            var names = new List<string>();
            var from = _keys.ExtendedAttributesStart(inode);
            while (true)
            {
                var page = await txn.RangeAsync(from, _keys.ExtendedAttributesEnd(inode), 500, token);
                names.AddRange(page.Entries.Select(e => _keys.ExtendedAttributeName(e.Key)));
                if (!page.More || page.Entries.Count == 0) return names;
                from = [.. page.Entries[^1].Key, 0];
            }
        }, ct);

    public Task RemoveExtendedAttributeAsync(ulong inode, string name, CancellationToken ct)
    {
        Names.ValidateAttributeName(name);
        return RunAsync(async (txn, token) =>
        {
            var values = await txn.GetManyAsync([_keys.Attributes(inode), _keys.ExtendedAttribute(inode, name)], token);
            if (values[0] is not { } attributeValue) throw MetaErrors.NoInode(inode);
            if (values[1] is null) throw MetaErrors.NoAttribute(inode, name);
            txn.PutAttributes(inode, AttributeCodec.Decode(attributeValue) with { CtimeNs = NowNs() });
            txn.Delete(_keys.ExtendedAttribute(inode, name));
            return true;
        }, ct);
    }
}
