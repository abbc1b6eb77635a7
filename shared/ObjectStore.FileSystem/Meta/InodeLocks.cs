namespace ObjectStore.FileSystem.Meta;

/// <summary>
/// Serialises this client's own transactions on the same inode (striped by inode number). Optimistic transactions
/// stay correct without it, but concurrent creates in one directory (or slice commits to one file) from one mount
/// would otherwise keep failing each other's compares and retry; across clients the compares still decide.
/// Locks are taken in stripe order, so operations holding two never deadlock.
/// </summary>
internal sealed class InodeLocks
{
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 256).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async Task<Held> AcquireAsync(ulong inode, CancellationToken ct)
    {
        var stripe = _stripes[inode % (ulong)_stripes.Length];
        await stripe.WaitAsync(ct);
        return new Held(stripe, null);
    }

    public async Task<Held> AcquireAsync(ulong first, ulong second, CancellationToken ct)
    {
        var a = (int)(first % (ulong)_stripes.Length);
        var b = (int)(second % (ulong)_stripes.Length);
        if (a == b) return await AcquireAsync(first, ct);
        var (low, high) = a < b ? (_stripes[a], _stripes[b]) : (_stripes[b], _stripes[a]);
        await low.WaitAsync(ct);
        try
        {
            await high.WaitAsync(ct);
        }
        catch
        {
            low.Release();
            throw;
        }
        return new Held(low, high);
    }

    public readonly struct Held(SemaphoreSlim first, SemaphoreSlim? second) : IDisposable
    {
        public void Dispose()
        {
            second?.Release();
            first.Release();
        }
    }
}
