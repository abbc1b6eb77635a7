using ObjectStore.FileSystem.Meta;

namespace ObjectStore.FileSystem.Tests.Meta;

public sealed class ContractShapeTests
{
    [Fact]
    public void Stat_mode_combines_type_and_permission_bits()
    {
        var attributes = new InodeAttributes(InodeType.Directory, 0x1ED, 0, 0, 2, 0, 0, 0, 0, 0, 1);
        Assert.Equal(0x41EDu, attributes.StatMode);
    }
}
