using ObjectStore.Functions.Hosting;
using ObjectStore.Tests.Support;

namespace ObjectStore.Tests.Functions;

public sealed class FunctionsConfigurationTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string WriteSettings(string json)
    {
        var path = _directory.Combine(FunctionsConfiguration.LocalSettingsFile);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Reads_Values_as_configuration_keys_with_double_underscores_as_sections()
    {
        var path = WriteSettings("""
            {
              // comments and trailing commas are tolerated, as the Functions host does
              "IsEncrypted": false,
              "Values": {
                "RabbitMQConnection": "amqp://guest:guest@127.0.0.1:5672/",
                "A__B": "nested",
                "ObjectStore__NodeExpiry": "00:00:20",
                "Port": 7081,
                "Enabled": true,
              },
              "Host": { "LocalHttpPort": 7071 }
            }
            """);

        var values = FunctionsConfiguration.ReadValues(path).ToDictionary(p => p.Key, p => p.Value);

        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["RabbitMQConnection"] = "amqp://guest:guest@127.0.0.1:5672/",
                ["A:B"] = "nested",
                ["ObjectStore:NodeExpiry"] = "00:00:20",
                ["Port"] = "7081",
                ["Enabled"] = "true",
            },
            values);
    }

    [Theory]
    [InlineData("""{ "IsEncrypted": false }""")]
    [InlineData("""{ "Values": "not an object" }""")]
    [InlineData("""{ "Values": {} }""")]
    public void A_file_without_Values_gives_none(string json)
    {
        Assert.Empty(FunctionsConfiguration.ReadValues(WriteSettings(json)));
    }
}
