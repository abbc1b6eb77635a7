using Microsoft.Extensions.Configuration;
using ObjectStore.Functions.Hosting;

namespace ObjectStore.Tests.Functions;

public sealed class FunctionHostOptionsTests
{
    private static FunctionHostOptions From(params (string Key, string? Value)[] settings) =>
        FunctionHostOptions.From(
            new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value))).Build(),
            "default-host");

    [Fact]
    public void Defaults_are_those_of_Azure_Functions()
    {
        var options = From();

        Assert.Equal("api", options.RoutePrefix);
        Assert.Equal(TimeSpan.FromMinutes(5), options.FunctionTimeout);
        Assert.Equal(30, options.PrefetchCount);
        Assert.Equal(3, options.MaxDeliveryRetries);
        Assert.Equal("default-host", options.HostId);
        Assert.Equal("127.0.0.1:7071", options.ListenAddress);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("/", "")]
    [InlineData("v1", "v1")]
    [InlineData("/v1/", "v1")]
    public void An_empty_route_prefix_is_kept_empty(string configured, string expected)
    {
        Assert.Equal(expected, From(("extensions:http:routePrefix", configured)).RoutePrefix);
    }

    [Fact]
    public void Reads_host_json_settings_and_the_listen_address()
    {
        var options = From(
            ("functionTimeout", "00:30:00"),
            ("extensions:rabbitMQ:prefetchCount", "7"),
            ("extensions:rabbitMQ:maxDeliveryRetries", "5"),
            ("id", "objectstore-api"),
            ("LISTEN_ADDRESS", "0.0.0.0:7081"));

        Assert.Equal(TimeSpan.FromMinutes(30), options.FunctionTimeout);
        Assert.Equal(7, options.PrefetchCount);
        Assert.Equal(5, options.MaxDeliveryRetries);
        Assert.Equal("objectstore-api", options.HostId);
        Assert.Equal("0.0.0.0:7081", options.ListenAddress);
    }

    [Fact]
    public void The_job_host_id_wins_over_the_plain_id()
    {
        Assert.Equal("from-job-host", From(("id", "plain"), ("AzureFunctionsJobHost:id", "from-job-host")).HostId);
    }

    [Fact]
    public void Empty_numbers_keep_their_defaults()
    {
        var options = From(("functionTimeout", ""), ("extensions:rabbitMQ:prefetchCount", ""));

        Assert.Equal(TimeSpan.FromMinutes(5), options.FunctionTimeout);
        Assert.Equal(30, options.PrefetchCount);
    }
}
