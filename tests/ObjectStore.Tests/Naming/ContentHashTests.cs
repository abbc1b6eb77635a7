using System.Security.Cryptography;
using System.Text;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Tests.Naming;

public sealed class ContentHashTests
{
    private static readonly byte[] Sha256OfHello = SHA256.HashData(Encoding.UTF8.GetBytes("hello"));
    private static readonly string HelloHex = Convert.ToHexStringLower(Sha256OfHello);

    [Fact]
    public void Parses_64_hex_digits_and_folds_them_to_lower_case()
    {
        Assert.True(ContentHash.TryParse(HelloHex.ToUpperInvariant(), out var hash));
        Assert.Equal(HelloHex, hash.Hex);
        Assert.Equal(HelloHex, hash.ToString());
        Assert.Equal(ContentHash.FromBytes(Sha256OfHello), hash);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("../x")]
    [InlineData("../../../../../../../../../../../../../../../../../../../etc/pass")]
    [InlineData("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982")]
    [InlineData("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b98245")]
    [InlineData("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982g")]
    [InlineData("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982 ")]
    [InlineData("2cf24dba5fb0a30e26e83b2ac5b9e29e/b161e5c1fa7425e73043362938b9824")]
    public void Rejects_anything_but_64_hex_digits(string? text)
    {
        Assert.False(ContentHash.TryParse(text, out var hash));
        Assert.Equal(default, hash);
    }

    [Fact]
    public void A_default_hash_has_no_value()
    {
        Assert.Throws<InvalidOperationException>(() => default(ContentHash).Hex);
    }

    [Fact]
    public void FromBytes_insists_on_32_bytes()
    {
        Assert.Throws<ArgumentException>(() => ContentHash.FromBytes(new byte[31]));
    }

    [Fact]
    public void ToBase64_gives_the_base64_of_the_sha256()
    {
        var data = Encoding.UTF8.GetBytes("The quick brown fox jumps over the lazy dog");
        var sha = SHA256.HashData(data);

        var hash = ContentHash.FromBytes(sha);

        Assert.Equal(Convert.ToBase64String(sha), hash.ToBase64());
        Assert.True(ContentHash.TryParseDigestHeader($"SHA-256={hash.ToBase64()}", out var parsed, out _));
        Assert.Equal(hash, parsed);
    }

    [Theory]
    [InlineData("SHA-256={0}")]
    [InlineData("sha-256={0}")]
    [InlineData("Sha-256 = {0} ")]
    [InlineData("MD5=XUFAKrxLKna5cZ2REBfFkg==, SHA-256={0}")]
    [InlineData("md5=XUFAKrxLKna5cZ2REBfFkg==,unixsum=30637,SHA-256={0},SHA-512=abc")]
    public void Reads_the_sha256_value_of_a_digest_header(string format)
    {
        var header = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Convert.ToBase64String(Sha256OfHello));

        Assert.True(ContentHash.TryParseDigestHeader(header, out var hash, out var error), error);
        Assert.Equal(HelloHex, hash!.Value.Hex);
        Assert.Equal(string.Empty, error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void An_absent_digest_header_is_fine_and_gives_no_hash(string? header)
    {
        Assert.True(ContentHash.TryParseDigestHeader(header, out var hash, out var error));
        Assert.Null(hash);
        Assert.Equal(string.Empty, error);
    }

    [Theory]
    [InlineData("SHA-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ")]
    [InlineData("SHA-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmA==")]
    [InlineData("SHA-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCRBQUE=")]
    [InlineData("SHA-256=")]
    [InlineData("SHA-256=!!!not base64!!!")]
    [InlineData("SHA-256=2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")]
    public void Rejects_a_sha256_value_that_is_not_32_bytes_of_base64(string header)
    {
        Assert.False(ContentHash.TryParseDigestHeader(header, out var hash, out var error));
        Assert.Null(hash);
        Assert.Contains("SHA-256", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MD5=XUFAKrxLKna5cZ2REBfFkg==")]
    [InlineData("garbage")]
    [InlineData("=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=")]
    [InlineData("SHA-2567=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=")]
    public void Rejects_a_digest_header_without_a_sha256_value(string header)
    {
        Assert.False(ContentHash.TryParseDigestHeader(header, out var hash, out var error));
        Assert.Null(hash);
        Assert.Contains("only SHA-256", error, StringComparison.Ordinal);
    }
}
