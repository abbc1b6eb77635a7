using ObjectStore.Storage.Objects;

namespace ObjectStore.Tests.Http;

public sealed class ByteRangeTests
{
    private const long Length = 10;

    [Theory]
    [InlineData("bytes=0-0", 0, 0)]
    [InlineData("bytes=0-", 0, 9)]
    [InlineData("bytes=3-", 3, 9)]
    [InlineData("bytes=2-5", 2, 5)]
    [InlineData("bytes=-5", 5, 9)]
    [InlineData("bytes=-1", 9, 9)]
    [InlineData("bytes=-10", 0, 9)]
    [InlineData("bytes=-100", 0, 9)]
    [InlineData("bytes=9-9", 9, 9)]
    [InlineData("bytes=9-", 9, 9)]
    [InlineData("bytes=5-100", 5, 9)]
    [InlineData("bytes=0-9", 0, 9)]
    [InlineData("BYTES=1-2", 1, 2)]
    public void Resolves_a_single_range_against_the_length(string header, long first, long last)
    {
        Assert.Equal(ByteRange.ParseResult.Satisfiable, ByteRange.TryParse(header, Length, out var range));
        Assert.Equal(new ByteRange(first, last), range);
        Assert.Equal(last - first + 1, range.Length);
    }

    [Theory]
    [InlineData("bytes=10-")]
    [InlineData("bytes=10-20")]
    [InlineData("bytes=100-200")]
    [InlineData("bytes=-0")]
    public void A_range_starting_at_or_past_the_end_is_unsatisfiable(string header)
    {
        Assert.Equal(ByteRange.ParseResult.Unsatisfiable, ByteRange.TryParse(header, Length, out _));
    }

    [Theory]
    [InlineData("bytes=0-")]
    [InlineData("bytes=0-0")]
    [InlineData("bytes=-1")]
    public void No_range_is_satisfiable_on_an_empty_object(string header)
    {
        Assert.Equal(ByteRange.ParseResult.Unsatisfiable, ByteRange.TryParse(header, 0, out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bytes=0-1,3-4")]
    [InlineData("bytes=0-1, -2")]
    [InlineData("items=0-1")]
    [InlineData("0-1")]
    [InlineData("bytes=")]
    [InlineData("bytes=5")]
    [InlineData("bytes=a-b")]
    [InlineData("bytes=5-3")]
    [InlineData("bytes=-")]
    [InlineData("bytes=+1-2")]
    [InlineData("bytes=-+5")]
    public void Multiple_ranges_other_units_and_nonsense_mean_the_whole_object(string? header)
    {
        Assert.Equal(ByteRange.ParseResult.None, ByteRange.TryParse(header, Length, out var range));
        Assert.Equal(default, range);
    }

    [Fact]
    public void Writes_content_range_and_range_headers()
    {
        var range = new ByteRange(0, 0);

        Assert.Equal("bytes 0-0/10", range.ToContentRange(Length));
        Assert.Equal("bytes 5-9/10", new ByteRange(5, 9).ToContentRange(Length));
        Assert.Equal("bytes=5-9", new ByteRange(5, 9).ToRangeHeader());
    }
}
