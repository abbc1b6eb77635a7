namespace ObjectStore.FileSystem.Meta;

/// <summary>How file contents are cut: a file is a sequence of chunks; a chunk holds slices; a slice is stored as blocks.</summary>
public static class FileLayout
{
    public const int ChunkSize = 64 << 20;
    public const int BlockSize = 4 << 20;
}
