using System.Text;
using ObjectStore.Storage.Naming;

namespace ObjectStore.Tests.Naming;

public sealed class ObjectNameTests
{
    private const string Route = "/objects/";

    [Theory]
    [InlineData("/objects/report.pdf", "report.pdf")]
    [InlineData("/objects/a+b", "a+b")]
    [InlineData("/objects/hello%20world", "hello world")]
    [InlineData("/objects/a%2Fb", "a/b")]
    [InlineData("/objects/a%2fb", "a/b")]
    [InlineData("/objects/a/b", "a/b")]
    [InlineData("/objects/%252F", "%2F")]
    [InlineData("/objects/..%2F..%2Fetc%2Fpasswd", "../../etc/passwd")]
    [InlineData("/objects/%2e%2e%2f", "../")]
    [InlineData("/OBJECTS/x", "x")]
    public void Decodes_the_raw_target_exactly_once(string rawTarget, string expected)
    {
        Assert.True(ObjectName.TryParseRawTarget(rawTarget, Route, out var name, out var error), error);
        Assert.Equal(expected, name!.Value);
        Assert.Equal(string.Empty, error);
    }

    [Theory]
    [InlineData("/objects/caf%C3%A9", "café")]
    [InlineData("/objects/%E4%B8%AD%E6%96%87", "中文")]
    [InlineData("/objects/%F0%9F%98%80", "😀")]
    [InlineData("/objects/café", "café")]
    [InlineData("/objects/中文/文件", "中文/文件")]
    public void Accepts_unicode_percent_encoded_as_utf8_or_raw(string rawTarget, string expected)
    {
        Assert.True(ObjectName.TryParseRawTarget(rawTarget, Route, out var name, out var error), error);
        Assert.Equal(expected, name!.Value);
    }

    [Theory]
    [InlineData("/objects/😀", "😀")]
    [InlineData("/objects/x😀y%20z", "x😀y z")]
    public void Keeps_a_raw_character_outside_the_basic_plane_intact(string rawTarget, string expected)
    {
        // A surrogate pair must be encoded as one code point; encoding each half alone yields two U+FFFD.
        Assert.True(ObjectName.TryParseRawTarget(rawTarget, Route, out var name, out var error), error);
        Assert.Equal(expected, name!.Value);
    }

    [Fact]
    public void Ignores_the_query_string()
    {
        Assert.True(ObjectName.TryParseRawTarget("/objects/a%2Fb?version=3&x=%00", Route, out var name, out _));
        Assert.Equal("a/b", name!.Value);
    }

    [Fact]
    public void Accepts_a_name_of_exactly_1024_utf8_bytes()
    {
        var ascii = new string('a', ObjectName.MaxBytes);
        var twoByteChars = string.Concat(Enumerable.Repeat("%C3%A9", ObjectName.MaxBytes / 2));
        var everyByteEscaped = string.Concat(Enumerable.Repeat("%61", ObjectName.MaxBytes));

        Assert.True(ObjectName.TryParseRawTarget(Route + ascii, Route, out var plain, out _));
        Assert.Equal(ascii, plain!.Value);
        Assert.True(ObjectName.TryParseRawTarget(Route + twoByteChars, Route, out var accented, out _));
        Assert.Equal(ObjectName.MaxBytes, Encoding.UTF8.GetByteCount(accented!.Value));
        Assert.True(ObjectName.TryParseRawTarget(Route + everyByteEscaped, Route, out var escaped, out _));
        Assert.Equal(ascii, escaped!.Value);
    }

    public static TheoryData<string> NamesOf1025Bytes() => new()
    {
        new string('a', ObjectName.MaxBytes + 1),
        new string('a', ObjectName.MaxBytes - 1) + "%C3%A9",
        string.Concat(Enumerable.Repeat("%61", ObjectName.MaxBytes + 1)),
    };

    [Theory]
    [MemberData(nameof(NamesOf1025Bytes))]
    public void Rejects_a_name_of_1025_utf8_bytes(string rawName)
    {
        Assert.False(ObjectName.TryParseRawTarget(Route + rawName, Route, out var name, out var error));
        Assert.Null(name);
        Assert.Contains("1024", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/objects/a%00b")]
    [InlineData("/objects/%00")]
    public void Rejects_nul(string rawTarget)
    {
        Assert.False(ObjectName.TryParseRawTarget(rawTarget, Route, out var name, out var error));
        Assert.Null(name);
        Assert.Contains("NUL", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/objects/%")]
    [InlineData("/objects/%4")]
    [InlineData("/objects/abc%4")]
    [InlineData("/objects/%zz")]
    [InlineData("/objects/%4g")]
    [InlineData("/objects/%%41")]
    public void Rejects_malformed_percent_escapes(string rawTarget)
    {
        Assert.False(ObjectName.TryParseRawTarget(rawTarget, Route, out var name, out var error));
        Assert.Null(name);
        Assert.Contains("percent-escape", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/objects/%FF")]
    [InlineData("/objects/%C3")]
    [InlineData("/objects/%C3%28")]
    [InlineData("/objects/%ED%A0%80")]
    [InlineData("/objects/%C0%AF")]
    public void Rejects_bytes_that_are_not_valid_utf8(string rawTarget)
    {
        Assert.False(ObjectName.TryParseRawTarget(rawTarget, Route, out var name, out var error));
        Assert.Null(name);
        Assert.Contains("UTF-8", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/objects/")]
    [InlineData("/objects/?version=1")]
    public void Rejects_an_empty_name(string rawTarget)
    {
        Assert.False(ObjectName.TryParseRawTarget(rawTarget, Route, out var name, out var error));
        Assert.Null(name);
        Assert.Contains("empty", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/objects")]
    [InlineData("/versions/a")]
    [InlineData("")]
    public void Rejects_a_target_outside_the_route(string rawTarget)
    {
        Assert.False(ObjectName.TryParseRawTarget(rawTarget, Route, out var name, out var error));
        Assert.Null(name);
        Assert.Contains("missing", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Honours_a_route_prefix_in_the_literal()
    {
        Assert.True(ObjectName.TryParseRawTarget("/api/objects/a%2Fb", "/api/objects/", out var name, out _));
        Assert.Equal("a/b", name!.Value);
    }

    [Fact]
    public void Rejects_a_lone_surrogate_given_directly()
    {
        Assert.False(ObjectName.TryCreate("a\uD800b", out var name, out var error));
        Assert.Null(name);
        Assert.Contains("UTF-8", error, StringComparison.Ordinal);
    }
}
