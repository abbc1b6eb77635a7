using System.Diagnostics;

namespace ObjectStore.IntegrationTests.FileSystem;

/// <summary>Runs shell commands the way a user at a terminal would (tar, git, dd, diff, setpriv) and captures the result.</summary>
public static class Shell
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
    }

    public static async Task<Result> RunAsync(string command, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("bash", ["-c", command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{command}' did not finish in {timeout ?? TimeSpan.FromMinutes(5)}");
        }

        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>Runs the command and fails the test with its output unless it exits 0.</summary>
    public static async Task<string> CheckAsync(string command, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var result = await RunAsync(command, workingDirectory, timeout);
        Assert.True(result.ExitCode == 0, $"'{command}' failed: {result}");
        return result.Output;
    }
}
