using ObjectStore.Storage.Cluster;

namespace ObjectStore.Tests.Cluster;

public sealed class ClusterAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:7081")]
    [InlineData("localhost:1")]
    [InlineData("data-node-3.cluster.local:65535")]
    [InlineData("NODE7:8080")]
    public void Accepts_plain_host_and_port(string address)
    {
        Assert.True(ClusterAddress.IsValid(address));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("localhost")]
    [InlineData(":7081")]
    [InlineData("localhost:")]
    [InlineData("localhost:0")]
    [InlineData("localhost:65536")]
    [InlineData("localhost:-1")]
    [InlineData("localhost:http")]
    [InlineData("http://localhost:7081")]
    [InlineData("localhost:7081/objects")]
    [InlineData("user@localhost:7081")]
    [InlineData("local host:7081")]
    [InlineData("[::1]:7081")]
    [InlineData("localhost/../x:7081")]
    public void Rejects_anything_else(string? address)
    {
        Assert.False(ClusterAddress.IsValid(address));
    }

    [Fact]
    public void Rejects_an_address_longer_than_a_dns_name()
    {
        Assert.False(ClusterAddress.IsValid(new string('a', 250) + ".b:7081"));
    }

    [Theory]
    [InlineData("localhost: 7081")]
    [InlineData("localhost:7081 ")]
    [InlineData("localhost:+7081")]
    [InlineData("localhost:7081\r\n")]
    public void Rejects_a_port_with_a_sign_or_whitespace(string address)
    {
        // Addresses become URLs ("http://localhost: 7081/..." does not parse) and travel in logs; the port
        // must be digits only.
        Assert.False(ClusterAddress.IsValid(address));
    }
}
