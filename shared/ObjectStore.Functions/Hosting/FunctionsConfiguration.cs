using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace ObjectStore.Functions.Hosting;

/// <summary>
/// Layers configuration as the Functions host does: host.json, then local.settings.json <c>Values</c>
/// (or the committed sample when a developer has none), then environment variables, then the command line.
/// </summary>
public static class FunctionsConfiguration
{
    public const string LocalSettingsFile = "local.settings.json";
    public const string SampleSettingsFile = "local.settings.sample.json";

    public static IConfigurationBuilder AddFunctionsConfiguration(this IConfigurationBuilder builder, string appDirectory, string[] args)
    {
        var hostJson = FindFile(appDirectory, "host.json");
        if (hostJson is not null)
        {
            builder.AddJsonFile(hostJson, optional: false, reloadOnChange: false);
        }

        var settings = FindFile(appDirectory, LocalSettingsFile) ?? FindFile(appDirectory, SampleSettingsFile);
        if (settings is not null)
        {
            builder.AddInMemoryCollection(ReadValues(settings));
        }

        return builder.AddEnvironmentVariables().AddCommandLine(args);
    }

    /// <summary>The working directory wins over the app's own folder, so <c>./run</c> from the repository root picks the developer's file.</summary>
    private static string? FindFile(string appDirectory, string fileName) =>
        new[] { Directory.GetCurrentDirectory(), appDirectory }
            .Select(dir => Path.Combine(dir, fileName))
            .FirstOrDefault(File.Exists);

    internal static IEnumerable<KeyValuePair<string, string?>> ReadValues(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("Values", out var values) || values.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        return values.EnumerateObject()
            .Select(p => new KeyValuePair<string, string?>(
                p.Name.Replace("__", ":", StringComparison.Ordinal),
                p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText()))
            .ToList();
    }
}
