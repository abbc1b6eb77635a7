using ObjectStore.Storage.Objects;

namespace ObjectStore.Tests.Objects;

public sealed class ObjectLayoutTests
{
    private const long MiB = 1024 * 1024;
    private static readonly ObjectLayout Rs42 = ObjectLayout.ErasureCoded(4, 2);

    [Theory]
    [InlineData("rs-4-2")]
    [InlineData("rs-6-3")]
    [InlineData("rs-10-4")]
    [InlineData("replica-1")]
    [InlineData("replica-3")]
    public void Parse_and_ToString_round_trip(string text)
    {
        Assert.Equal(text, ObjectLayout.Parse(text).ToString());
    }

    [Fact]
    public void Parse_reads_reed_solomon_as_data_and_parity_shards()
    {
        var layout = ObjectLayout.Parse("rs-4-2");

        Assert.Equal(ObjectLayout.ErasureCoded(4, 2), layout);
        Assert.True(layout.IsErasureCoded);
        Assert.Equal(4, layout.DataShards);
        Assert.Equal(2, layout.ParityShards);
    }

    [Fact]
    public void Parse_reads_replica_as_whole_copies()
    {
        var layout = ObjectLayout.Parse("replica-3");

        Assert.Equal(ObjectLayout.Replicated(3), layout);
        Assert.False(layout.IsErasureCoded);
        Assert.Equal(3, layout.Copies);
    }

    [Fact]
    public void A_version_without_a_layout_is_one_whole_copy()
    {
        var layout = ObjectLayout.Parse(null);

        Assert.Equal(ObjectLayout.Replicated(1), layout);
        Assert.Equal(ObjectLayout.Parse("replica-1"), layout);
        Assert.Equal("replica-1", layout.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("rs")]
    [InlineData("rs-4")]
    [InlineData("rs-4-2-1")]
    [InlineData("rs-4-x")]
    [InlineData("rs-four-2")]
    [InlineData("rs-4.5-2")]
    [InlineData("rs--4-2")]
    [InlineData("RS-4-2")]
    [InlineData("replica")]
    [InlineData("replica-")]
    [InlineData("replica-x")]
    [InlineData("replica-3-1")]
    [InlineData("replica--3")]
    [InlineData("mirror-3")]
    [InlineData("4-2")]
    public void Parse_throws_FormatException_for_malformed_text(string text)
    {
        Assert.Throws<FormatException>(() => ObjectLayout.Parse(text));
    }

    [Theory]
    [InlineData("rs-99999999999-2")]
    [InlineData("replica-99999999999")]
    public void Parse_throws_FormatException_for_counts_too_large_for_an_int(string text)
    {
        Assert.Throws<FormatException>(() => ObjectLayout.Parse(text));
    }

    [Theory]
    [InlineData("replica-0")]
    [InlineData("rs-0-2")]
    public void Parse_throws_FormatException_for_layouts_that_cannot_hold_any_bytes(string text)
    {
        Assert.Throws<FormatException>(() => ObjectLayout.Parse(text));
    }

    [Fact]
    public void Erasure_coding_without_parity_does_not_turn_into_a_layout_of_zero_copies()
    {
        ObjectLayout layout;
        try
        {
            layout = ObjectLayout.ErasureCoded(4, 0);
        }
        catch (ArgumentOutOfRangeException)
        {
            return;
        }

        Assert.NotEqual(0, layout.NodesNeeded);
        Assert.Equal(layout, ObjectLayout.Parse(layout.ToString()));
    }

    [Fact]
    public void A_stripe_is_one_64_KiB_cell_per_data_shard()
    {
        Assert.Equal(64 * 1024, ObjectLayout.CellSize);
        Assert.Equal(4 * 64 * 1024, Rs42.StripeSize);
        Assert.Equal(6 * 64 * 1024, ObjectLayout.ErasureCoded(6, 3).StripeSize);
    }

    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(1L, 1L)]
    [InlineData(4L * 64 * 1024, 1L)]
    [InlineData((4L * 64 * 1024) + 1, 2L)]
    [InlineData(64L * MiB, 256L)]
    public void Stripes_rounds_the_size_up_to_whole_stripes(long size, long stripes)
    {
        Assert.Equal(stripes, Rs42.Stripes(size));
    }

    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(1L, 64L * 1024)]
    [InlineData(4L * 64 * 1024, 64L * 1024)]
    [InlineData((4L * 64 * 1024) + 1, 2L * 64 * 1024)]
    [InlineData(64L * MiB, 16L * MiB)]
    public void ShardLength_is_one_cell_per_stripe(long size, long shardLength)
    {
        Assert.Equal(shardLength, Rs42.ShardLength(size));
    }

    [Fact]
    public void Reed_solomon_needs_a_node_per_shard()
    {
        Assert.Equal(6, Rs42.NodesNeeded);
        Assert.Equal(6, Rs42.TotalShards);
        Assert.Equal(13, ObjectLayout.Parse("rs-10-3").NodesNeeded);
        Assert.Equal(13, ObjectLayout.Parse("rs-10-3").TotalShards);
    }

    [Fact]
    public void Replicas_need_a_node_per_copy_and_have_no_shards()
    {
        var layout = ObjectLayout.Replicated(3);

        Assert.Equal(3, layout.NodesNeeded);
        Assert.Equal(0, layout.TotalShards);
        Assert.Equal(1, ObjectLayout.Parse(null).NodesNeeded);
        Assert.Equal(0, ObjectLayout.Parse(null).TotalShards);
    }
}
