namespace ObjectStore.FileSystem.Meta.Kv;

/// <summary>One page of a range read; <paramref name="More"/> if keys remain past the last one.</summary>
public sealed record KvPage(IReadOnlyList<KvEntry> Entries, bool More);
