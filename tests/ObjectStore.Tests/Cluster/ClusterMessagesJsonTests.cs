using System.Text;
using System.Text.Json;
using ObjectStore.Storage.Cluster;

namespace ObjectStore.Tests.Cluster;

public sealed class ClusterMessagesJsonTests
{
    private const string Hex = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    /// <summary>How a data node's RabbitMQ trigger binds a message body to a function parameter.</summary>
    private static readonly JsonSerializerOptions TriggerJson = new(JsonSerializerDefaults.Web);

    [Fact]
    public void A_LocateRequest_round_trips_with_its_shard_count()
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new LocateRequest(Hex, 6), ClusterJson.Default.LocateRequest);

        Assert.Equal(new LocateRequest(Hex, 6), JsonSerializer.Deserialize(bytes, ClusterJson.Default.LocateRequest));
        Assert.Equal(new LocateRequest(Hex, 6), JsonSerializer.Deserialize<LocateRequest>(bytes, TriggerJson));
    }

    [Fact]
    public void A_LocateRequest_asks_for_no_shards_by_default()
    {
        Assert.Equal(0, new LocateRequest(Hex).Shards);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new LocateRequest(Hex), ClusterJson.Default.LocateRequest);

        Assert.Equal(new LocateRequest(Hex, 0), JsonSerializer.Deserialize(bytes, ClusterJson.Default.LocateRequest));
        Assert.Equal(new LocateRequest(Hex, 0), JsonSerializer.Deserialize<LocateRequest>(bytes, TriggerJson));
    }

    [Fact]
    public void A_LocateRequest_without_a_shards_field_asks_for_no_shards()
    {
        var json = Encoding.UTF8.GetBytes($$"""{"hash":"{{Hex}}"}""");

        Assert.Equal(new LocateRequest(Hex, 0), JsonSerializer.Deserialize(json, ClusterJson.Default.LocateRequest));
        Assert.Equal(new LocateRequest(Hex, 0), JsonSerializer.Deserialize<LocateRequest>(json, TriggerJson));
    }

    [Fact]
    public void A_LocateRequest_is_written_in_camel_case()
    {
        var json = JsonSerializer.Serialize(new LocateRequest(Hex, 6), ClusterJson.Default.LocateRequest);

        Assert.Equal($$"""{"hash":"{{Hex}}","shards":6}""", json);
    }

    [Fact]
    public void A_LocateReply_round_trips_with_its_shards()
    {
        var reply = new LocateReply("http://node-1:7071", Hex, Found: true, Shards: [0, 3, 254]);

        var bytes = JsonSerializer.SerializeToUtf8Bytes(reply, ClusterJson.Default.LocateReply);
        var read = JsonSerializer.Deserialize(bytes, ClusterJson.Default.LocateReply);

        Assert.NotNull(read);
        Assert.Equal(reply.Address, read.Address);
        Assert.Equal(reply.Hash, read.Hash);
        Assert.True(read.Found);
        Assert.NotNull(read.Shards);
        Assert.Equal([0, 3, 254], read.Shards);
    }

    [Fact]
    public void A_LocateReply_round_trips_with_no_shards_held()
    {
        var reply = new LocateReply("http://node-1:7071", Hex, Found: false, Shards: []);

        var read = JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(reply, ClusterJson.Default.LocateReply), ClusterJson.Default.LocateReply);

        Assert.NotNull(read);
        Assert.False(read.Found);
        Assert.NotNull(read.Shards);
        Assert.Empty(read.Shards);
    }

    [Fact]
    public void A_LocateReply_without_shards_round_trips_as_null_shards()
    {
        var reply = new LocateReply("http://node-2:7071", Hex, Found: true);

        var read = JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(reply, ClusterJson.Default.LocateReply), ClusterJson.Default.LocateReply);

        Assert.Equal(reply, read);
        Assert.Null(read!.Shards);
    }

    [Fact]
    public void A_LocateReply_from_a_node_that_predates_shards_reads_as_holding_none()
    {
        var json = Encoding.UTF8.GetBytes($$"""{"address":"http://node-3:7071","hash":"{{Hex}}","found":true}""");

        var read = JsonSerializer.Deserialize(json, ClusterJson.Default.LocateReply);

        Assert.Equal(new LocateReply("http://node-3:7071", Hex, true), read);
        Assert.Null(read!.Shards);
    }
}
