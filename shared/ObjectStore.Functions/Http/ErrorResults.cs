using Microsoft.AspNetCore.Http;

namespace ObjectStore.Functions.Http;

/// <summary>The one shape of an error body: <c>{"error": "..."}</c>.</summary>
public static class ErrorResults
{
    public static IResult Error(int statusCode, string message) =>
        Results.Json(new ErrorBody(message), statusCode: statusCode);

    public static Task WriteAsync(HttpResponse response, int statusCode, string message, CancellationToken cancellationToken)
    {
        response.StatusCode = statusCode;
        return response.WriteAsJsonAsync(new ErrorBody(message), cancellationToken);
    }

    public sealed record ErrorBody(string Error);
}
