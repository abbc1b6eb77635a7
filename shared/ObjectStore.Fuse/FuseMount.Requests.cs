using System.Diagnostics;

namespace ObjectStore.Fuse;

// The asynchronous members of FuseMount (no await is allowed in the unsafe part): unmounting and running requests.
public sealed partial class FuseMount
{
    /// <summary>
    /// Unmounts (as <c>fusermount3 -u</c>; lazily if the mount is busy, so that it disappears from the namespace at once
    /// and is served until its last user leaves) and waits until the session has ended.
    /// </summary>
    public async Task UnmountAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _unmountRequested, 1) == 0 && !_completion.Task.IsCompleted)
        {
            LogUnmounting(_logger, MountPoint);
            if (!await RunFusermountAsync(["-u", MountPoint], cancellationToken).ConfigureAwait(false)
                && !_completion.Task.IsCompleted)
            {
                LogUnmountingLazily(_logger, MountPoint);
                await RunFusermountAsync(["-u", "-z", MountPoint], cancellationToken).ConfigureAwait(false);
            }
        }

        await _completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_completion.Task.IsCompleted)
        {
            await UnmountAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private async Task<bool> RunFusermountAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("fusermount3") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            LogFusermountFailed(_logger, string.Join(' ', arguments), error.Trim());
        }

        return process.ExitCode == 0;
    }

    /// <summary>Runs one request as a task and answers it with <paramref name="reply"/> or an errno.</summary>
    internal void Run<T>(nint request, string operation, Func<FuseContext, CancellationToken, ValueTask<T>> call, Action<FuseMount, nint, T> reply)
    {
        var context = ReadContext(request);
        Interlocked.Increment(ref _inFlight);
        _ = RunAsync(request, operation, context, call, reply);
    }

    /// <summary>As <see cref="Run{T}"/> for operations answered with a bare success (errno 0).</summary>
    internal void Run(nint request, string operation, Func<FuseContext, CancellationToken, ValueTask> call) =>
        Run(request, operation, async (context, token) =>
        {
            await call(context, token).ConfigureAwait(false);
            return true;
        }, static (mount, r, _) => mount.ReplyError(r, 0));

    private async Task RunAsync<T>(nint request, string operation, FuseContext context,
        Func<FuseContext, CancellationToken, ValueTask<T>> call, Action<FuseMount, nint, T> reply)
    {
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            T result;
            try
            {
                var pending = call(context, deadline.Token);
                if (pending.IsFaulted && pending.AsTask().Exception?.InnerException is { } failure)
                {
                    // Answered at once with an error (getxattr's ENODATA for every entry ls -l lists): no throw, no timer.
                    ReplyError(request, ErrnoOf(operation, failure, false));
                    return;
                }

                if (!pending.IsCompleted)
                {
                    deadline.CancelAfter(Options.RequestTimeout);
                }

                result = await pending.ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                ReplyError(request, ErrnoOf(operation, exception, deadline.IsCancellationRequested));
                return;
            }

            reply(this, request, result);
        }
        catch (Exception exception)
        {
            LogReplyFailed(_logger, exception, operation);
        }
        finally
        {
            if (Interlocked.Decrement(ref _inFlight) == 0 && _stopping.IsCancellationRequested)
            {
                _drained.TrySetResult();
            }
        }
    }
}
