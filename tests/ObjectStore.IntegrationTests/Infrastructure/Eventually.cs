namespace ObjectStore.IntegrationTests.Infrastructure;

/// <summary>Bounded polling for state that other processes reach on their own schedule (timers, heartbeats).</summary>
public static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        T last;
        do
        {
            try
            {
                last = await probe();
                if (done(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
            {
                last = default!;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"{what} did not happen within {within.TotalSeconds} s; last value: {last}");
    }

    public static Task<bool> TrueAsync(Func<bool> condition, TimeSpan within, string what) =>
        ReturnsAsync(() => Task.FromResult(condition()), ok => ok, within, what);
}
