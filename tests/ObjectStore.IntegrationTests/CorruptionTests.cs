using System.Net;
using ObjectStore.IntegrationTests.Infrastructure;

namespace ObjectStore.IntegrationTests;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Integration")]
public sealed class CorruptionTests(InfraFixture infra) : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(infra, dataNodes: 2);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private string StoredFile(byte[] body) =>
        Assert.Single(_cluster.StoredObjectFiles(), f => Path.GetFileName(f) == TestData.Sha256Hex(body));

    private static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        var b = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(b ^ 0x5A));
    }

    [Fact]
    public async Task A_flipped_byte_in_a_small_object_is_never_served()
    {
        var name = $"flip-small-{Guid.NewGuid():N}";
        var body = TestData.Bytes(10_000, 31);
        await _cluster.PutVersionAsync($"/objects/{name}", body);
        FlipByte(StoredFile(body), 5_000);

        using var response = await _cluster.Client.GetAsync($"/objects/{name}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("intact copy", await response.Content.ReadAsStringAsync());
        // The bad copy was quarantined, so locate no longer reports it.
        Assert.Equal(HttpStatusCode.NotFound, (await _cluster.Client.GetAsync($"/locate/{name}")).StatusCode);
    }

    [Fact]
    public async Task A_flipped_byte_late_in_a_large_object_cuts_the_transfer_before_the_bad_block()
    {
        var name = $"flip-large-{Guid.NewGuid():N}";
        var body = TestData.Bytes(3 * 1024 * 1024, 32);
        await _cluster.PutVersionAsync($"/objects/{name}", body);
        const long badOffset = (2 * 1024 * 1024) + 12345;
        FlipByte(StoredFile(body), badOffset);

        using var response = await _cluster.Client.GetAsync($"/objects/{name}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = await response.Content.ReadAsStreamAsync();
        var received = new MemoryStream();
        var failure = await Record.ExceptionAsync(() => stream.CopyToAsync(received));

        Assert.NotNull(failure);
        Assert.True(received.Length <= badOffset - (badOffset % 65536), $"received {received.Length} bytes, bad block starts at {badOffset - (badOffset % 65536)}");
        Assert.Equal(body.AsSpan(0, (int)received.Length).ToArray(), received.ToArray());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _cluster.Client.GetAsync($"/objects/{name}")).StatusCode);
    }
}
