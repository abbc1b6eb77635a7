namespace ObjectStore.Tests.Support;

/// <summary>A directory of its own for one test, removed with everything in it on dispose.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory()
    {
        FullPath = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "objectstore-tests", Guid.NewGuid().ToString("N"))).FullName;
    }

    public string FullPath { get; }

    public string Combine(params string[] parts) => Path.Combine([FullPath, .. parts]);

    public void Dispose()
    {
        if (Directory.Exists(FullPath))
        {
            Directory.Delete(FullPath, recursive: true);
        }
    }
}
