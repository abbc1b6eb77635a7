using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ObjectStore.Functions.Hosting;
using ObjectStore.Functions.Keys;

namespace ObjectStore.Functions.Http;

/// <summary>
/// Maps an HTTP function onto ASP.NET Core routing. Routing answers 405 for a known route with another method;
/// a route above <see cref="AuthorizationLevel.Anonymous"/> answers 401 without a valid key before the function runs;
/// this is the one place where an exception from a function becomes a 500.
/// </summary>
internal static partial class HttpFunctionEndpoint
{
    public static string Pattern(FunctionDescriptor function, HttpTriggerAttribute trigger, string routePrefix)
    {
        var route = (trigger.Route ?? function.Name).Trim('/');
        return routePrefix.Length == 0 ? route : $"{routePrefix}/{route}";
    }

    /// <summary>The level a route enforces: the attribute's, raised to Function for anonymous routes when <see cref="FunctionHostOptions.RequireFunctionKey"/> is set.</summary>
    public static AuthorizationLevel EffectiveLevel(HttpTriggerAttribute trigger, FunctionHostOptions options) =>
        trigger.AuthLevel == AuthorizationLevel.Anonymous && options.RequireFunctionKey ? AuthorizationLevel.Function : trigger.AuthLevel;

    public static void Map(WebApplication app, FunctionDescriptor function, HttpTriggerAttribute trigger, FunctionHostOptions options)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Function." + function.Name);
        var methods = trigger.Methods!.Select(m => m.ToUpperInvariant()).ToArray();
        var level = EffectiveLevel(trigger, options);
        var keys = level == AuthorizationLevel.Anonymous ? null : app.Services.GetRequiredService<FunctionKeys>();
        app.MapMethods("/" + Pattern(function, trigger, options.RoutePrefix), methods, context => InvokeAsync(context, function, level, keys, options, logger))
            .WithName(function.Name);
    }

    private static async Task InvokeAsync(HttpContext context, FunctionDescriptor function, AuthorizationLevel level, FunctionKeys? keys, FunctionHostOptions options, ILogger logger)
    {
        if (keys is not null)
        {
            var presented = context.Request.Headers[FunctionKeys.HeaderName].FirstOrDefault() ?? context.Request.Query[FunctionKeys.QueryName].FirstOrDefault();
            switch (keys.Check(level, presented))
            {
                case KeyCheck.Missing:
                    await ErrorResults.WriteAsync(
                        context.Response,
                        StatusCodes.Status401Unauthorized,
                        $"{function.Name} needs a function key ({level} level): send it in the {FunctionKeys.HeaderName} header or as ?{FunctionKeys.QueryName}=",
                        context.RequestAborted).ConfigureAwait(false);
                    return;
                case KeyCheck.Wrong:
                    await ErrorResults.WriteAsync(
                        context.Response,
                        StatusCodes.Status401Unauthorized,
                        level == AuthorizationLevel.Function
                            ? $"the key sent is not a function key of this app, so it may not call {function.Name}"
                            : $"{function.Name} needs the master key of this app; the key sent is not it",
                        context.RequestAborted).ConfigureAwait(false);
                    return;
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(options.FunctionTimeout);
        try
        {
            var result = await function.InvokeAsync(context.RequestServices, context.Request, BindingData(context), p => BindRouteValue(context, p), timeout.Token).ConfigureAwait(false);
            switch (result)
            {
                case IResult httpResult:
                    await httpResult.ExecuteAsync(context).ConfigureAwait(false);
                    break;

                case null when !context.Response.HasStarted:
                    context.Response.StatusCode = StatusCodes.Status204NoContent;
                    break;
                case null:
                    break;
                default:
                    await Results.Json(result).ExecuteAsync(context).ConfigureAwait(false);
                    break;
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception ex)
        {
            int status;
            string message;
            if (ex is BadHttpRequestException bad)
            {
                // Kestrel found the request itself broken while the function read it — most often a body cut short by
                // a client that went away mid-upload. The client's fault, answered as such, and no failure of the function.
                LogBadRequest(logger, function.Name, bad.StatusCode, bad.Message);
                (status, message) = (bad.StatusCode, $"{function.Name}: bad request: {bad.Message}");
            }
            else
            {
                LogFailed(logger, ex, function.Name);
                status = ex is OperationCanceledException ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status500InternalServerError;
                message = $"{function.Name} failed: {ex.Message}";
            }

            if (context.Response.HasStarted)
            {
                // Headers are out: cutting the connection is the only honest way to say the body is incomplete.
                context.Abort();
            }
            else
            {
                await ErrorResults.WriteAsync(context.Response, status, message, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Route values and query parameters, as the Functions host passes them in binding data.</summary>
    private static Dictionary<string, object?> BindingData(HttpContext context)
    {
        var data = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in context.Request.Query)
        {
            data[key] = value.ToString();
        }

        foreach (var (key, value) in context.Request.RouteValues)
        {
            data[key] = value?.ToString();
        }

        return data;
    }

    private static (bool, object?) BindRouteValue(HttpContext context, System.Reflection.ParameterInfo parameter)
    {
        if (parameter.Name is null || context.GetRouteValue(parameter.Name) is not { } value)
        {
            return (false, null);
        }

        return parameter.ParameterType == typeof(string)
            ? (true, value.ToString())
            : (true, Convert.ChangeType(value, parameter.ParameterType, CultureInfo.InvariantCulture));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string function);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Function}: bad request ({Status}): {Reason}")]
    private static partial void LogBadRequest(ILogger logger, string function, int status, string reason);
}
