using System.Security.Cryptography;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Tests.Naming;

public sealed class StoredKeyTests
{
    private static readonly ContentHash Hash = ContentHash.FromBytes(SHA256.HashData("hello"u8));
    private static readonly string Hex = Hash.Hex;

    [Fact]
    public void Parses_a_bare_hash_as_a_whole_object()
    {
        Assert.True(StoredKey.TryParse(Hex, out var key));
        Assert.Equal(Hash, key.Hash);
        Assert.Null(key.Shard);
        Assert.Equal(Hex, key.FileName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(254)]
    public void Parses_a_hash_and_shard_index(int shard)
    {
        Assert.True(StoredKey.TryParse($"{Hex}.{shard}", out var key));
        Assert.Equal(Hash, key.Hash);
        Assert.Equal(shard, key.Shard);
        Assert.Equal($"{Hex}.{shard}", key.FileName);
    }

    [Theory]
    [InlineData(".255")]
    [InlineData(".256")]
    [InlineData(".999")]
    [InlineData(".1000")]
    [InlineData(".-1")]
    [InlineData(".+1")]
    [InlineData(".01")]
    [InlineData(".00")]
    [InlineData(".001")]
    [InlineData(".")]
    [InlineData(".1.2")]
    [InlineData("..1")]
    [InlineData(".a")]
    [InlineData(". 1")]
    [InlineData(".1 ")]
    [InlineData(".1/")]
    [InlineData(".0/../x")]
    [InlineData("/1")]
    [InlineData("/../1")]
    public void Rejects_a_hash_with_a_bad_shard_suffix(string suffix)
    {
        Assert.False(StoredKey.TryParse(Hex + suffix, out var key));
        Assert.Equal(default, key);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(".")]
    [InlineData(".0")]
    [InlineData("../x")]
    [InlineData("../x.0")]
    [InlineData("/etc/passwd")]
    [InlineData("objects/x.1")]
    [InlineData("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982.0")]
    [InlineData("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982g.0")]
    [InlineData("2cf24dba5fb0a30e26e83b2ac5b9e29e/b161e5c1fa7425e73043362938b9824.0")]
    [InlineData("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824/..")]
    [InlineData("..\\2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")]
    public void Rejects_anything_that_is_not_a_hash_or_could_be_a_path(string? text)
    {
        Assert.False(StoredKey.TryParse(text, out var key));
        Assert.Equal(default, key);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".3")]
    public void Upper_case_hex_is_folded_to_lower_case_like_ContentHash(string suffix)
    {
        Assert.True(StoredKey.TryParse(Hex.ToUpperInvariant() + suffix, out var key));
        Assert.Equal(Hash, key.Hash);
        Assert.Equal(Hex + suffix, key.FileName);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(254)]
    public void FileName_parses_back_to_the_same_key(int? shard)
    {
        var key = new StoredKey(Hash, shard);

        Assert.True(StoredKey.TryParse(key.FileName, out var parsed));
        Assert.Equal(key, parsed);
        Assert.Equal(key.FileName, key.ToString());
    }

    [Fact]
    public void A_ContentHash_converts_to_the_whole_object_key()
    {
        StoredKey key = Hash;

        Assert.Equal(Hash, key.Hash);
        Assert.Null(key.Shard);
        Assert.Equal(Hex, key.FileName);
        Assert.NotEqual(new StoredKey(Hash, 0), key);
    }
}
