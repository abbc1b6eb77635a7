namespace ObjectStore.Functions.Keys;

/// <summary>Adds <c>x-functions-key</c> to every request to another function app.</summary>
public sealed class FunctionKeyHandler(FunctionAppKey key) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (await key.GetAsync(cancellationToken).ConfigureAwait(false) is { } value)
        {
            request.Headers.Remove(FunctionKeys.HeaderName);
            request.Headers.TryAddWithoutValidation(FunctionKeys.HeaderName, value);
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The handler chain for a client of another function app; without a key, the inner handler alone.</summary>
    public static HttpMessageHandler Wrap(HttpMessageHandler inner, FunctionAppKey? key) =>
        key is null ? inner : new FunctionKeyHandler(key) { InnerHandler = inner };
}
