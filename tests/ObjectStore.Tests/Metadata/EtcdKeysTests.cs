using System.Text;
using Google.Protobuf;
using ObjectStore.Storage.Metadata;

namespace ObjectStore.Tests.Metadata;

public sealed class EtcdKeysTests
{
    private readonly EtcdKeys _keys = new("deployment/");

    [Fact]
    public void A_version_key_round_trips_and_sorts_by_version_within_its_name()
    {
        var keys = new[] { 1L, 2, 15, 16, 255, 4096, long.MaxValue }.Select(v => _keys.Version("photos/a b é", v)).ToList();

        Assert.Equal(keys, keys.OrderBy(k => k, ByteOrder.Instance));
        Assert.Equal(("photos/a b é", 255L), _keys.ParseVersion(keys[4]));
        Assert.Equal("deployment/v/photos/a b é\u000000000000000000ff", keys[4].ToStringUtf8());
    }

    [Fact]
    public void The_versions_of_one_name_never_fall_in_the_range_of_another_name_it_prefixes()
    {
        var range = _keys.VersionsOf("a");
        var end = EtcdKeys.RangeEnd(range);
        foreach (var other in new[] { "a/b", "ab", "a\u0001", "a b" })
        {
            var key = _keys.Version(other, 1);
            Assert.False(ByteOrder.Instance.Compare(key, range) >= 0 && ByteOrder.Instance.Compare(key, end) < 0, other);
        }

        var own = _keys.Version("a", 7);
        Assert.True(ByteOrder.Instance.Compare(own, range) >= 0 && ByteOrder.Instance.Compare(own, end) < 0);
    }

    [Fact]
    public void A_range_end_is_the_prefix_with_its_last_byte_incremented_and_after_is_the_next_key()
    {
        Assert.Equal("abd", EtcdKeys.RangeEnd(ByteString.CopyFromUtf8("abc")).ToStringUtf8());
        Assert.Equal([(byte)'b'], EtcdKeys.RangeEnd(ByteString.CopyFrom((byte)'a', 0xff)).ToByteArray());
        Assert.Equal([(byte)0], EtcdKeys.RangeEnd(ByteString.CopyFrom(0xff)).ToByteArray());
        Assert.Equal(Encoding.UTF8.GetBytes("abc\0"), EtcdKeys.After(ByteString.CopyFromUtf8("abc")).ToByteArray());
    }

    [Fact]
    public void Heads_and_contents_parse_back_to_their_name_and_storage_id()
    {
        Assert.Equal("x/y", _keys.NameOfHead(_keys.Head("x/y")));
        Assert.Equal(new string('a', 64), _keys.StorageIdOf(_keys.Content(new string('a', 64))));
        Assert.StartsWith("deployment/h/x", _keys.HeadsUnder("x").ToStringUtf8(), StringComparison.Ordinal);
    }

    private sealed class ByteOrder : IComparer<ByteString>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(ByteString? x, ByteString? y) => x!.Span.SequenceCompareTo(y!.Span);
    }
}
