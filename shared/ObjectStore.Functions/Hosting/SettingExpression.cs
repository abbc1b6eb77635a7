using Microsoft.Extensions.Configuration;

namespace ObjectStore.Functions.Hosting;

/// <summary>Trigger attributes may name a setting as <c>%Name%</c> instead of a literal, as in Azure Functions.</summary>
public static class SettingExpression
{
    public static string Resolve(string value, IConfiguration configuration) =>
        value.Length > 2 && value[0] == '%' && value[^1] == '%'
            ? configuration[value[1..^1]] ?? throw new FunctionIndexingException($"Setting '{value[1..^1]}' is not configured.")
            : value;
}
