using ObjectStore.Storage.Volumes;

namespace ObjectStore.Tests.Volumes;

public sealed class VolumeIdentityTests
{
    // Lines as proc(5) shows them: id, parent, major:minor, root, mount point, options, optional fields, -, type, source.
    private const string MountInfo = """
        22 27 0:21 / /proc rw,relatime - proc proc rw
        27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
        30 27 254:16 / /srv/data rw,relatime - ext4 /dev/vdb rw
        31 30 254:32 / /srv/data/node\0402 rw,relatime - xfs /dev/vdc rw
        32 27 254:16 /exports /mnt/bound rw,relatime - ext4 /dev/vdb rw
        33 32 0:40 / /mnt/bound rw,relatime - tmpfs tmpfs rw
        """;

    [Theory]
    [InlineData("/srv/data/node1", "254:16")]
    [InlineData("/srv/data", "254:16")]
    [InlineData("/srv/data/node 2/objects", "254:32")]
    [InlineData("/srv/datanode", "254:0")]
    [InlineData("/mnt/bound/x", "0:40")]
    [InlineData("/work/main/.local/run/data/node3", "254:0")]
    public void The_device_is_that_of_the_longest_mount_point_holding_the_path(string path, string device) =>
        Assert.Equal(device, VolumeIdentity.FromMountInfo(MountInfo, path));

    [Fact]
    public void Text_without_a_mount_line_tells_nothing() =>
        Assert.Null(VolumeIdentity.FromMountInfo("garbage\n\n1 2\n", "/srv/data"));

    [Fact]
    public void Two_folders_on_one_disk_have_one_identity_on_this_machine_and_a_link_leads_to_its_target()
    {
        var root = Path.Combine(Path.GetTempPath(), "volume-identity-" + Guid.NewGuid().ToString("N")[..8]);
        var a = Directory.CreateDirectory(Path.Combine(root, "a")).FullName;
        var b = Directory.CreateDirectory(Path.Combine(root, "b")).FullName;
        var link = Path.Combine(root, "to-proc");
        Directory.CreateSymbolicLink(link, "/proc");
        try
        {
            var identity = VolumeIdentity.Of(a);
            Assert.NotNull(identity);
            Assert.StartsWith(Environment.MachineName + "/", identity);
            Assert.Equal(identity, VolumeIdentity.Of(b));
            Assert.NotEqual(identity, VolumeIdentity.Of("/proc"));
            // A folder reached through a link is on the filesystem the link leads to.
            Assert.Equal(VolumeIdentity.Of("/proc"), VolumeIdentity.Of(link));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
