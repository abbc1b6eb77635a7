namespace ObjectStore.FileSystem.Meta.Kv;

/// <summary>
/// The keys of a range last changed after a revision (values not sent), <paramref name="More"/> if more matched than
/// were asked for, and <paramref name="Revision"/>: the store's revision the read saw, so that every change up to it
/// is accounted for.
/// </summary>
public sealed record KvChanges(IReadOnlyList<byte[]> Keys, bool More, long Revision);
