using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using ObjectStore.Functions.Hosting;
using ObjectStore.Functions.Keys;

namespace ObjectStore.Tests.Functions;

public sealed class FunctionKeysTests
{
    private static readonly HostSecrets Stored = new("master-key-0123456789", new Dictionary<string, string> { ["default"] = "default-key-0123456789" });

    [Fact]
    public void First_start_creates_a_master_key_and_a_default_function_key()
    {
        var created = FunctionKeys.Merge(stored: null, new Dictionary<string, string>());

        Assert.Null(HostSecrets.Validate(created.MasterKey));
        Assert.Null(HostSecrets.Validate(created.FunctionKeys["default"]));
        Assert.NotEqual(created.MasterKey, created.FunctionKeys["default"]);
        Assert.NotEqual(created.MasterKey, FunctionKeys.Merge(null, new Dictionary<string, string>()).MasterKey);
    }

    [Fact]
    public void Stored_keys_are_kept_when_settings_set_none_or_the_same()
    {
        Assert.Same(Stored, FunctionKeys.Merge(Stored, new Dictionary<string, string>()));
        Assert.Same(Stored, FunctionKeys.Merge(Stored, new Dictionary<string, string> { ["default"] = "default-key-0123456789" }));
    }

    [Fact]
    public void Settings_replace_or_add_keys()
    {
        var merged = FunctionKeys.Merge(Stored, new Dictionary<string, string> { ["master"] = "new-master-0123456789", ["api"] = "api-key-0123456789ab" });

        Assert.Equal("new-master-0123456789", merged.MasterKey);
        Assert.Equal("default-key-0123456789", merged.FunctionKeys["default"]);
        Assert.Equal("api-key-0123456789ab", merged.FunctionKeys["api"]);
    }

    [Theory]
    [InlineData("short", "16 to 128")]
    [InlineData("has spaces in it 0123456", "only letters")]
    [InlineData("quote\"0123456789abcdef", "only letters")]
    public void A_malformed_key_in_settings_stops_the_start_naming_the_setting(string key, string reason)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["FunctionsHostKeys:default"] = key }).Build();

        var ex = Assert.Throws<FunctionIndexingException>(() => FunctionKeys.ConfiguredKeys(configuration));

        Assert.Contains("FunctionsHostKeys__default", ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AuthorizationLevel.Anonymous, null, KeyCheck.Allowed)]
    [InlineData(AuthorizationLevel.Function, null, KeyCheck.Missing)]
    [InlineData(AuthorizationLevel.Function, "", KeyCheck.Missing)]
    [InlineData(AuthorizationLevel.Function, "default-key-0123456789", KeyCheck.Allowed)]
    [InlineData(AuthorizationLevel.Function, "master-key-0123456789", KeyCheck.Allowed)]
    [InlineData(AuthorizationLevel.Function, "default-key-012345678", KeyCheck.Wrong)]
    [InlineData(AuthorizationLevel.Admin, "default-key-0123456789", KeyCheck.Wrong)]
    [InlineData(AuthorizationLevel.Admin, "master-key-0123456789", KeyCheck.Allowed)]
    public void Function_routes_take_any_key_admin_routes_only_the_master_key(AuthorizationLevel level, string? presented, KeyCheck expected)
    {
        Assert.Equal(expected, FunctionKeys.Check(Stored, level, presented));
    }

    [Theory]
    [InlineData(new[] { "--host", "127.0.0.1", "--port", "5000", "--workerId", "w", "--requestId", "r", "--functions-uri", "http://127.0.0.1:5000/" }, true)]
    [InlineData(new[] { "--functions-worker-id=w" }, true)]
    [InlineData(new[] { "--LISTEN_ADDRESS=127.0.0.1:7071" }, false)]
    [InlineData(new string[0], false)]
    public void The_functions_host_is_recognised_by_the_worker_arguments_it_passes(string[] args, bool expected)
    {
        Assert.Equal(expected, FunctionsRuntime.StartedByFunctionsHost(args));
    }
}
