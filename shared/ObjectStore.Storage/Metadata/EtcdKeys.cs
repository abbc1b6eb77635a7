using System.Globalization;
using System.Text;
using Google.Protobuf;

namespace ObjectStore.Storage.Metadata;

/// <summary>
/// The key layout in etcd, all under one prefix (a deployment's or a test's):
/// <list type="bullet">
/// <item><c>{p}/h/{name}</c> — a name's head: the latest version's record. Names are ordered by their UTF-8 bytes, so the
/// names under a prefix are one range read, paged.</item>
/// <item><c>{p}/v/{name}\0{version: 16 hex digits}</c> — every version; a name has no NUL, so a name's versions are
/// adjacent and in order, and no name's range contains another's.</item>
/// <item><c>{p}/c/{storage id}</c> — a content record (<see cref="ContentRecord"/>).</item>
/// </list>
/// Names go into keys raw: etcd keys are bytes and a name is at most 1 KiB.
/// </summary>
internal sealed class EtcdKeys
{
    private readonly string _heads;
    private readonly string _versions;
    private readonly string _contents;

    public EtcdKeys(string prefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var root = prefix.TrimEnd('/') + "/";
        _heads = root + "h/";
        _versions = root + "v/";
        _contents = root + "c/";
        HeadPrefix = Utf8(_heads);
        VersionPrefix = Utf8(_versions);
        ContentPrefix = Utf8(_contents);
    }

    public ByteString HeadPrefix { get; }

    public ByteString VersionPrefix { get; }

    public ByteString ContentPrefix { get; }

    public ByteString Head(string name) => Utf8(_heads + name);

    public ByteString Version(string name, long version) => Utf8(string.Create(CultureInfo.InvariantCulture, $"{_versions}{name}\0{version:x16}"));

    /// <summary>The range holding every version of <paramref name="name"/>.</summary>
    public ByteString VersionsOf(string name) => Utf8(_versions + name + "\0");

    public ByteString Content(string storageId) => Utf8(_contents + storageId);

    public ByteString HeadsUnder(string namePrefix) => Utf8(_heads + namePrefix);

    public string NameOfHead(ByteString key) => key.ToStringUtf8()[_heads.Length..];

    public string StorageIdOf(ByteString key) => key.ToStringUtf8()[_contents.Length..];

    public (string Name, long Version) ParseVersion(ByteString key)
    {
        var text = key.ToStringUtf8();
        var separator = text.LastIndexOf('\0');
        return (text[_versions.Length..separator], long.Parse(text.AsSpan(separator + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    /// <summary>The end of the range of keys starting with <paramref name="prefix"/>: the prefix with its last byte incremented.</summary>
    public static ByteString RangeEnd(ByteString prefix)
    {
        var bytes = prefix.ToByteArray();
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (bytes[i] < 0xff)
            {
                bytes[i]++;
                return ByteString.CopyFrom(bytes, 0, i + 1);
            }
        }

        return ByteString.CopyFrom(0);
    }

    /// <summary>The smallest key after <paramref name="key"/>: where the next page of a range read starts.</summary>
    public static ByteString After(ByteString key)
    {
        var bytes = new byte[key.Length + 1];
        key.Span.CopyTo(bytes);
        return ByteString.CopyFrom(bytes);
    }

    private static ByteString Utf8(string text) => ByteString.CopyFrom(Encoding.UTF8.GetBytes(text));
}
