using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Volumes;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Volumes;

public sealed class VolumeScrubberTests : IDisposable
{
    private const int Block = 64 * 1024;
    private const long Unlimited = long.MaxValue;
    private static readonly ContentHash CodedHash = ContentHash.FromBytes(SHA256.HashData("an erasure-coded object"u8));
    private readonly TestVolume _volume = new();

    public void Dispose() => _volume.Dispose();

    [Fact]
    public async Task A_scrub_with_room_to_spare_checks_every_file_and_finds_none_bad()
    {
        var files = await StoreFilesAsync(0, 1, 1000, Block, Block + 1, (2 * Block) + 7);

        var report = await NewScrubber().ScrubAsync(Unlimited, Unlimited, CancellationToken.None);

        Assert.Equal(files.Count, report.Checked);
        Assert.Equal(files.Sum(f => (long)f.Size), report.Bytes);
        Assert.Empty(report.Bad);
        Assert.All(files, f => Assert.True(_volume.Store.Contains(f.Key)));
    }

    [Fact]
    public async Task A_scrub_of_an_empty_volume_checks_nothing()
    {
        var report = await NewScrubber().ScrubAsync(Unlimited, Unlimited, CancellationToken.None);

        Assert.Equal(0, report.Checked);
        Assert.Equal(0, report.Bytes);
        Assert.Empty(report.Bad);
    }

    [Theory]
    [InlineData(0, 0L)]
    [InlineData(1, 0L)]
    [InlineData(0, 999L)]
    [InlineData(1, 999L)]
    [InlineData(1, 1003L)]
    [InlineData(0, -64L)]
    [InlineData(1, -48L)]
    [InlineData(0, -40L)]
    [InlineData(1, -1L)]
    public async Task A_flipped_bit_is_reported_as_exactly_that_key_and_the_file_is_quarantined(int which, long offset)
    {
        var files = await StoreFilesAsync(1000, 1000, 1000, 1000);
        var shard = files.First(f => f.Key.Shard is not null).Key;
        var whole = files.First(f => f.Key.Shard is null).Key;
        var damaged = which == 0 ? whole : shard;
        _volume.DamageStored(damaged, offset);
        var scrubber = NewScrubber();

        var report = await scrubber.ScrubAsync(Unlimited, Unlimited, CancellationToken.None);

        Assert.Equal([damaged.FileName], report.Bad);
        Assert.Equal(files.Count - 1, report.Checked);
        Assert.Equal((files.Count - 1) * 1000, report.Bytes);
        Assert.False(_volume.Store.Contains(damaged));
        Assert.DoesNotContain(damaged, _volume.Store.Keys());
        Assert.All(files.Where(f => f.Key != damaged), f => Assert.True(_volume.Store.Contains(f.Key)));
        Assert.Single(_volume.QuarantineFiles);

        var next = await scrubber.ScrubAsync(Unlimited, Unlimited, CancellationToken.None);

        Assert.Empty(next.Bad);
        Assert.Equal(files.Count - 1, next.Checked);
    }

    [Fact]
    public async Task A_file_damaged_between_runs_is_found_by_the_run_that_reaches_it()
    {
        var files = await StoreFilesAsync(100, 200, 300, 400);
        var scrubber = NewScrubber();
        var first = await scrubber.ScrubAsync(Unlimited, budget: 1, CancellationToken.None);
        Assert.Equal(files[0].Size, first.Bytes);
        _volume.DamageStored(files[2].Key, 5);

        var second = await scrubber.ScrubAsync(Unlimited, budget: 1, CancellationToken.None);
        var third = await scrubber.ScrubAsync(Unlimited, budget: 1, CancellationToken.None);

        Assert.Equal((1, (long)files[1].Size), (second.Checked, second.Bytes));
        Assert.Empty(second.Bad);
        Assert.Equal([files[2].Key.FileName], third.Bad);
        Assert.Equal((1, (long)files[3].Size), (third.Checked, third.Bytes));
        Assert.False(_volume.Store.Contains(files[2].Key));
    }

    [Fact]
    public async Task A_small_budget_checks_one_file_per_run_and_each_run_resumes_after_the_last()
    {
        var files = await StoreFilesAsync(101, 202, 303, 404, 505, 606);
        var scrubber = NewScrubber();

        var runs = new List<VolumeScrubber.Report>();
        for (var i = 0; i < (2 * files.Count) + 1; i++)
        {
            runs.Add(await scrubber.ScrubAsync(Unlimited, budget: 1, CancellationToken.None));
        }

        Assert.All(runs, r => Assert.Equal(1, r.Checked));
        Assert.All(runs, r => Assert.Empty(r.Bad));
        var expected = files.Concat(files).Append(files[0]).Select(f => (long)f.Size);
        Assert.Equal(expected, runs.Select(r => r.Bytes));
    }

    [Fact]
    public async Task A_run_stops_at_the_first_file_that_reaches_the_budget()
    {
        await StoreFilesAsync(100, 100, 100, 100, 100);
        var scrubber = NewScrubber();

        var runs = new List<(int, long)>();
        for (var i = 0; i < 4; i++)
        {
            var report = await scrubber.ScrubAsync(Unlimited, budget: 150, CancellationToken.None);
            runs.Add((report.Checked, report.Bytes));
        }

        Assert.Equal([(2, 200L), (2, 200L), (1, 100L), (2, 200L)], runs);
    }

    [Fact]
    public async Task A_file_costs_the_budget_at_least_the_file_cost_so_small_files_cannot_multiply_the_opens()
    {
        var files = await StoreFilesAsync(100, 100, 100, 100, 100, 100);
        var scrubber = NewScrubber();

        // 100-byte files under a 1,000-byte budget: all six by their bytes; at a cost of 300 each, four (the fourth
        // reaches the budget) and the next run the last two.
        var costed = await scrubber.ScrubAsync(Unlimited, budget: 1000, CancellationToken.None, fileCost: 300);
        var rest = await scrubber.ScrubAsync(Unlimited, budget: 1000, CancellationToken.None, fileCost: 300);

        Assert.Equal((4, 400L), (costed.Checked, costed.Bytes));
        Assert.Equal((2, 200L), (rest.Checked, rest.Bytes));
        var bytesOnly = await NewScrubber().ScrubAsync(Unlimited, budget: 1000, CancellationToken.None);
        Assert.Equal(files.Count, bytesOnly.Checked);
    }

    [Fact]
    public async Task Small_runs_check_every_file_exactly_once_before_wrapping()
    {
        var files = await StoreFilesAsync(10, 20, 30, 40, 50, 60, 70);
        var scrubber = NewScrubber();

        long bytes = 0;
        var checkedCount = 0;
        while (checkedCount < files.Count)
        {
            var report = await scrubber.ScrubAsync(Unlimited, budget: 45, CancellationToken.None);
            Assert.Empty(report.Bad);
            Assert.InRange(report.Checked, 1, files.Count);
            bytes += report.Bytes;
            checkedCount += report.Checked;
        }

        Assert.Equal(files.Count, checkedCount);
        Assert.Equal(files.Sum(f => (long)f.Size), bytes);
        var wrapped = await scrubber.ScrubAsync(Unlimited, budget: 1, CancellationToken.None);
        Assert.Equal(files[0].Size, wrapped.Bytes);
    }

    [Fact]
    public async Task A_low_rate_does_not_change_what_a_run_checks()
    {
        var files = await StoreFilesAsync(1, 2, 3, 4);
        var fast = NewScrubber();
        var slow = NewScrubber();

        for (var i = 0; i < files.Count + 1; i++)
        {
            var expected = await fast.ScrubAsync(Unlimited, budget: 1, CancellationToken.None);
            var actual = await slow.ScrubAsync(bytesPerSecond: 100, budget: 1, CancellationToken.None);

            Assert.Equal((expected.Checked, expected.Bytes), (actual.Checked, actual.Bytes));
            Assert.Equal(expected.Bad, actual.Bad);
        }
    }

    [Fact]
    public async Task Stray_files_in_the_objects_directory_are_neither_checked_nor_reported()
    {
        var files = await StoreFilesAsync(100, 200);
        File.WriteAllText(Path.Combine(_volume.Store.Root, "objects", "README"), "not an object");
        File.WriteAllText(Path.Combine(_volume.Store.Root, "objects", $"{CodedHash.Hex}.tmp"), "not an object");

        var report = await NewScrubber().ScrubAsync(Unlimited, Unlimited, CancellationToken.None);

        Assert.Equal(files.Count, report.Checked);
        Assert.Empty(report.Bad);
        Assert.Empty(_volume.QuarantineFiles);
    }

    private VolumeScrubber NewScrubber() => new(_volume.Store, NullLogger<VolumeScrubber>.Instance);

    /// <summary>Stores whole objects and shards of <see cref="CodedHash"/> alternately; returns them in the scrubber's order.</summary>
    private async Task<List<(StoredKey Key, int Size)>> StoreFilesAsync(params int[] sizes)
    {
        var files = new List<(StoredKey Key, int Size)>();
        for (var i = 0; i < sizes.Length; i++)
        {
            var data = TestBytes.Random(sizes[i], seed: i + 1);
            if (i % 2 == 0)
            {
                files.Add((await _volume.StoreAsync(data), sizes[i]));
            }
            else
            {
                var key = new StoredKey(CodedHash, i);
                await _volume.CommitAsAsync(key, data);
                files.Add((key, sizes[i]));
            }
        }

        return [.. files.OrderBy(f => f.Key.FileName, StringComparer.Ordinal)];
    }
}
