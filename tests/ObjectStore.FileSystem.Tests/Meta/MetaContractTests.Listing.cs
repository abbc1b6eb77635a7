using ObjectStore.FileSystem.Meta;
using static ObjectStore.FileSystem.Tests.Meta.MetaTestSupport;

namespace ObjectStore.FileSystem.Tests.Meta;

// ls -l: a listing with attributes, then getxattr of every entry (security.selinux, system.posix_acl_access).
public abstract partial class MetaContractTests
{
    [Fact]
    public async Task After_a_listing_with_attributes_getxattr_answers_each_entry_right()
    {
        var dir = await Meta.Mkdir(Root, "ls");
        var plain = await Meta.CreateFile(dir.Inode, "plain");
        var tagged = await Meta.CreateFile(dir.Inode, "tagged");
        await Meta.SetExtendedAttributeAsync(tagged.Inode, "user.tag", "t"u8.ToArray(), XattrFlags.None, None);

        var listed = await Meta.ListAll(dir.Inode, plus: true);

        Assert.Equal(["plain", "tagged"], listed.Select(e => e.Name));
        await ThrowsErrno(Errno.ENODATA, () => Meta.GetExtendedAttributeAsync(plain.Inode, "security.selinux", None));
        Assert.Empty(await Meta.ListExtendedAttributesAsync(plain.Inode, None));
        Assert.Equal("t"u8.ToArray(), await Meta.GetExtendedAttributeAsync(tagged.Inode, "user.tag", None));
        Assert.Equal(["user.tag"], await Meta.ListExtendedAttributesAsync(tagged.Inode, None));
    }

    [Fact]
    public async Task An_extended_attribute_set_after_a_listing_is_seen_at_once_by_the_client_that_set_it()
    {
        var dir = await Meta.Mkdir(Root, "ls-then-set");
        var file = await Meta.CreateFile(dir.Inode, "f");
        await Meta.ListAll(dir.Inode, plus: true);

        await Meta.SetExtendedAttributeAsync(file.Inode, "user.new", "v"u8.ToArray(), XattrFlags.None, None);

        Assert.Equal("v"u8.ToArray(), await Meta.GetExtendedAttributeAsync(file.Inode, "user.new", None));
        Assert.Equal(["user.new"], await Meta.ListExtendedAttributesAsync(file.Inode, None));
    }

    [Fact]
    public async Task A_client_that_does_not_keep_listings_sees_another_clients_new_extended_attribute_at_once()
    {
        var dir = await Meta.Mkdir(Root, "ls-other");
        var file = await Meta.CreateFile(dir.Inode, "f");
        var options = Options();
        options.ListingCacheTime = TimeSpan.Zero;
        var other = await StartClientAsync(options);
        await other.ListAll(dir.Inode, plus: true);

        await Meta.SetExtendedAttributeAsync(file.Inode, "user.new", "v"u8.ToArray(), XattrFlags.None, None);

        Assert.Equal("v"u8.ToArray(), await other.GetExtendedAttributeAsync(file.Inode, "user.new", None));
    }
}
