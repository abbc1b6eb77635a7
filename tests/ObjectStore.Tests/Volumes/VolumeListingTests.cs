using ObjectStore.Storage.Volumes;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Volumes;

public sealed class VolumeListingTests : IDisposable
{
    private readonly TestVolume _volume = new();

    public void Dispose() => _volume.Dispose();

    [Fact]
    public async Task Pages_list_every_stored_key_once_in_order_and_an_empty_page_ends_it()
    {
        var stored = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            stored.Add((await _volume.StoreAsync(TestBytes.Random(10 + i, seed: i))).Hex);
        }

        File.WriteAllBytes(Path.Combine(Path.GetDirectoryName(_volume.ObjectFiles[0])!, "not-a-key"), [1]);
        var listed = new List<string>();
        string? after = null;
        while (true)
        {
            var page = _volume.Store.ListHeld(after, 3);
            if (page.Count == 0)
            {
                break;
            }

            Assert.True(page.Count <= 3);
            listed.AddRange(page.Select(k => k.Key));
            after = page[^1].Key;
        }

        Assert.Equal(stored.Order(StringComparer.Ordinal), listed);
    }

    [Fact]
    public async Task A_listed_key_carries_the_time_its_file_was_written()
    {
        var hash = await _volume.StoreAsync([1, 2, 3]);
        var written = new DateTime(2020, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(_volume.ObjectFile(hash), written);

        var held = Assert.Single(_volume.Store.ListHeld(null, 10));
        Assert.Equal((hash.Hex, new DateTimeOffset(written)), (held.Key, held.Written));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_delete_as_listed_keeps_bytes_stored_again_since_and_deletes_them_otherwise(bool oneRequest)
    {
        var data = TestBytes.Random(1000);
        var hash = await _volume.StoreAsync(data);
        File.SetLastWriteTimeUtc(_volume.ObjectFile(hash), new DateTime(2020, 5, 6, 7, 8, 9, DateTimeKind.Utc));
        var listed = Assert.Single(_volume.Store.ListHeld(null, 10));

        // The same bytes stored again, as a PUT does before it commits: found intact, not rewritten, but written now.
        if (oneRequest)
        {
            await _volume.Store.StoreAsync(hash, new MemoryStream(data), data.Length, CancellationToken.None);
        }
        else
        {
            await _volume.StoreAsync(data);
        }

        Assert.Equal(DeleteOutcome.WrittenSince, _volume.Store.Delete(hash, listed.Written));
        Assert.True(_volume.Store.Contains(hash));

        var relisted = Assert.Single(_volume.Store.ListHeld(null, 10));
        Assert.Equal(DeleteOutcome.Deleted, _volume.Store.Delete(hash, relisted.Written));
        Assert.Equal(DeleteOutcome.NotHere, _volume.Store.Delete(hash, relisted.Written));
    }
}
