using System.Runtime.InteropServices;

namespace ObjectStore.Storage.Volumes;

/// <summary>
/// Which filesystem a data node's volume lives on: the machine and the device (<c>major:minor</c>) of the mount holding
/// the path. Nodes that share a disk (six of them under <c>./run</c>) share its free space, so capacity is summed over
/// distinct identities, not over nodes. Null where it cannot be told (not Linux, no <c>/proc</c>): such a node counts
/// on its own, as every node did before.
/// </summary>
public static partial class VolumeIdentity
{
    public static string? Of(string path)
    {
        try
        {
            return OperatingSystem.IsLinux() && FromMountInfo(File.ReadAllText("/proc/self/mountinfo"), Resolved(path)) is { } device
                ? $"{Environment.MachineName}/{device}"
                : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The path with every symbolic link resolved (realpath(3)): a link may lead to another filesystem.</summary>
    private static string Resolved(string path)
    {
        var resolved = RealPath(path, 0);
        if (resolved == 0)
        {
            return Path.GetFullPath(path);
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved) ?? Path.GetFullPath(path);
        }
        finally
        {
            Free(resolved);
        }
    }

    /// <summary>
    /// The <c>major:minor</c> of the mount whose mount point is the longest prefix of <paramref name="fullPath"/>, from the
    /// text of <c>/proc/self/mountinfo</c> (proc(5): id, parent, major:minor, root, mount point, ...; the mount point with
    /// space, tab, newline and backslash escaped in octal). Of two mounts on one mount point the later, which is on top,
    /// wins. Null when no line parses.
    /// </summary>
    public static string? FromMountInfo(string mountInfo, string fullPath)
    {
        string? device = null;
        var longest = -1;
        foreach (var line in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (fields.Length < 5 || !fields[2].Contains(':', StringComparison.Ordinal))
            {
                continue;
            }

            var mountPoint = Unescape(fields[4]);
            if (mountPoint.Length >= longest && Contains(mountPoint, fullPath))
            {
                longest = mountPoint.Length;
                device = fields[2];
            }
        }

        return device;
    }

    private static bool Contains(string mountPoint, string path) =>
        mountPoint == "/"
        || path == mountPoint
        || (path.StartsWith(mountPoint, StringComparison.Ordinal) && path[mountPoint.Length] == '/');

    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var text = new System.Text.StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && field.AsSpan(i + 1, 3).IndexOfAnyExcept("01234567") < 0)
            {
                text.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }

        return text.ToString();
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint RealPath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(nint pointer);
}
