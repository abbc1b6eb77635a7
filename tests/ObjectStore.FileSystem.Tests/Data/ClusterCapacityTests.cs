using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using ObjectStore.FileSystem.Data;

namespace ObjectStore.FileSystem.Tests.Data;

public sealed class ClusterCapacityTests
{
    [Fact]
    public async Task Nodes_on_one_filesystem_count_its_free_space_once()
    {
        // Three nodes on one disk, one on another, and one older node that names no volume (counted on its own).
        var nodes = """
            [{"address":"a:1","freeBytes":1000,"volume":"h/254:0"},{"address":"a:2","freeBytes":1000,"volume":"h/254:0"},
             {"address":"a:3","freeBytes":990,"volume":"h/254:0"},{"address":"b:1","freeBytes":300,"volume":"h/254:16"},
             {"address":"c:1","freeBytes":7}]
            """;
        using var http = new HttpClient(new Answer(nodes)) { BaseAddress = new Uri("http://api.test/") };
        var capacity = new ClusterCapacity(http, new FakeTimeProvider(), TimeSpan.FromSeconds(2));

        Assert.Equal(1000 + 300 + 7, await capacity.FreeBytesAsync(CancellationToken.None));
    }

    private sealed class Answer(string json) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(request.RequestUri!.AbsolutePath == "/nodes"
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") }
                : new HttpResponseMessage(HttpStatusCode.NotFound));
    }
}
