using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ObjectStore.FileSystem.Data;
using ObjectStore.FileSystem.Meta;
using ObjectStore.Fuse;
using ObjectStore.Mount;
using ObjectStore.Mount.FileSystem;

// ObjectStore.Mount <mount point> --api <url> --etcd <endpoints> [--volume default] [--cache-dir DIR] [--cache-size BYTES]
// Mounts one volume of the store and serves it until it is unmounted: Ctrl-C / SIGTERM or `fusermount3 -u <dir>`.
// Every setting can also come from the environment (FileData__ApiEndpoint, EtcdEndpoints, Volume, Mount__..., FileSystem__...).
var switches = new Dictionary<string, string>
{
    ["--api"] = "FileData:ApiEndpoint",
    ["--etcd"] = "EtcdEndpoints",
    ["--volume"] = "Volume",
    ["--cache-dir"] = "FileData:CacheDirectory",
    ["--cache-size"] = "FileData:CacheBytes",
    ["--fuse-debug"] = "Mount:FuseDebug",
};
var positional = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : null;
var configuration = new ConfigurationBuilder()
    .AddEnvironmentVariables()
    .AddCommandLine(positional is null ? args : args[1..], switches)
    .AddInMemoryCollection(positional is null ? [] : [new("Mount:MountPoint", positional)])
    .Build();

var services = new ServiceCollection();
services.AddLogging(logging => logging
    .AddConfiguration(configuration.GetSection("Logging"))
    .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
    .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
var volume = configuration["Volume"] is { Length: > 0 } v ? v : "default";
services.AddFileSystemMeta(configuration, o => o.Volume = volume);
services.AddOptions<FileDataOptions>().Bind(configuration.GetSection(FileDataOptions.Section)).Configure(o => o.Volume = volume);
services.AddOptions<MountOptions>().Bind(configuration.GetSection(MountOptions.Section));
await using var provider = services.BuildServiceProvider();
var loggerFactory = provider.GetRequiredService<ILoggerFactory>();
var logger = loggerFactory.CreateLogger("ObjectStore.Mount");
var mountOptions = provider.GetRequiredService<IOptions<MountOptions>>().Value;
if (string.IsNullOrEmpty(mountOptions.MountPoint))
{
    Console.Error.WriteLine("usage: ObjectStore.Mount <mount point> --api <url> --etcd <endpoints> [--volume NAME] [--cache-dir DIR] [--cache-size BYTES]");
    return 2;
}

IFileSystemMeta meta;
FileDataOptions dataOptions;
try
{
    meta = provider.GetRequiredService<IFileSystemMeta>();
    dataOptions = provider.GetRequiredService<IOptions<FileDataOptions>>().Value;
    dataOptions.Validate(requireApi: true);
}
catch (Exception e) when (e is OptionsValidationException or ArgumentException)
{
    Console.Error.WriteLine($"mount: {e.Message}");
    return 2;
}

using var stop = new CancellationTokenSource();
try
{
    await meta.StartSessionAsync(stop.Token);
}
catch (FileSystemException e)
{
    Console.Error.WriteLine($"mount: cannot start a session on volume {volume}: {e.Message}");
    return 1;
}
await using var data = FileData.Create(meta, Options.Create(dataOptions), loggerFactory);
using var http = new HttpClient { BaseAddress = new Uri(dataOptions.ApiEndpoint.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(5) };
var capacity = new ClusterCapacity(http, TimeProvider.System, mountOptions.CapacityCacheTime);
var fileSystem = new VolumeFileSystem(meta, data, capacity, mountOptions, TimeProvider.System, loggerFactory.CreateLogger<VolumeFileSystem>());

FuseMount mount;
try
{
    mount = FuseMount.Mount(fileSystem, new FuseMountOptions
    {
        MountPoint = mountOptions.MountPoint,
        FileSystemName = $"objectstore:{volume}",
        Subtype = "objectstore",
        AllowOther = mountOptions.AllowOther,
        EntryTimeout = mountOptions.AttributeTimeout,
        AttributeTimeout = mountOptions.AttributeTimeout,
        KernelReadAheadBytes = mountOptions.KernelReadAheadBytes,
        Debug = mountOptions.FuseDebug,
        TranslateError = VolumeFileSystem.TranslateError,
    }, loggerFactory.CreateLogger<FuseMount>());
}
catch (Exception e) when (e is IOException or DllNotFoundException)
{
    Console.Error.WriteLine($"mount: {e.Message}");
    await meta.CloseSessionAsync(CancellationToken.None);
    return 1;
}

// First SIGINT/SIGTERM: unmount cleanly (lazily if busy). A second one: leave at once (the kernel ends the connection).
var signals = 0;
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    if (Interlocked.Increment(ref signals) > 1)
    {
        Console.Error.WriteLine("mount: second signal, exiting without waiting for open files");
        Environment.Exit(130);
    }

    stop.Cancel();
    _ = mount.UnmountAsync();
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
Console.Out.WriteLine($"mounted volume {volume} at {Path.GetFullPath(mountOptions.MountPoint)}");

var collector = mountOptions.CollectInterval > TimeSpan.Zero ? CollectDeletedSlicesAsync() : Task.CompletedTask;
await mount.Completion;
stop.Cancel();
await collector;
await fileSystem.DisposeAsync();
await data.FlushAllAsync(CancellationToken.None);
await meta.CloseSessionAsync(CancellationToken.None);
await meta.DisposeAsync();
return 0;

async Task CollectDeletedSlicesAsync()
{
    using var timer = new PeriodicTimer(mountOptions.CollectInterval);
    try
    {
        while (await timer.WaitForNextTickAsync(stop.Token))
        {
            try
            {
                await data.CollectDeletedSlicesAsync(stop.Token);
            }
            catch (Exception e) when (e is FileSystemException or HttpRequestException)
            {
                MountLog.CollectFailed(logger, e.Message);
            }
        }
    }
    catch (OperationCanceledException) when (stop.IsCancellationRequested)
    {
    }
}
