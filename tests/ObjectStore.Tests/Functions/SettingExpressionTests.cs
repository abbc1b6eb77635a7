using Microsoft.Extensions.Configuration;
using ObjectStore.Functions.Hosting;

namespace ObjectStore.Tests.Functions;

public sealed class SettingExpressionTests
{
    private static readonly IConfiguration Configuration = new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HeartbeatExchange"] = "apiServers",
            ["ObjectStore:CleanTempSchedule"] = "0 */5 * * * *",
        })
        .Build();

    [Theory]
    [InlineData("%HeartbeatExchange%", "apiServers")]
    [InlineData("%ObjectStore:CleanTempSchedule%", "0 */5 * * * *")]
    public void Resolves_a_setting_named_between_percent_signs(string expression, string expected)
    {
        Assert.Equal(expected, SettingExpression.Resolve(expression, Configuration));
    }

    [Fact]
    public void A_missing_setting_fails_naming_it()
    {
        var ex = Assert.Throws<FunctionIndexingException>(() => SettingExpression.Resolve("%NoSuchSetting%", Configuration));

        Assert.Contains("'NoSuchSetting'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("apiServers")]
    [InlineData("0 */5 * * * *")]
    [InlineData("%")]
    [InlineData("%%")]
    [InlineData("%HeartbeatExchange")]
    [InlineData("HeartbeatExchange%")]
    [InlineData("")]
    public void Leaves_a_literal_unchanged(string literal)
    {
        Assert.Equal(literal, SettingExpression.Resolve(literal, Configuration));
    }
}
