using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ObjectStore.Functions.Hosting;

namespace ObjectStore.Functions.Http;

/// <summary>
/// Maps an HTTP function onto ASP.NET Core routing. Routing answers 405 for a known route with another method;
/// this is the one place where an exception from a function becomes a 500.
/// </summary>
internal static partial class HttpFunctionEndpoint
{
    public static string Pattern(FunctionDescriptor function, HttpTriggerAttribute trigger, string routePrefix)
    {
        var route = (trigger.Route ?? function.Name).Trim('/');
        return routePrefix.Length == 0 ? route : $"{routePrefix}/{route}";
    }

    public static void Map(WebApplication app, FunctionDescriptor function, HttpTriggerAttribute trigger, FunctionHostOptions options)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Function." + function.Name);
        var methods = trigger.Methods.Select(m => m.ToUpperInvariant()).ToArray();
        app.MapMethods("/" + Pattern(function, trigger, options.RoutePrefix), methods, context => InvokeAsync(context, function, options, logger))
            .WithName(function.Name);
    }

    private static async Task InvokeAsync(HttpContext context, FunctionDescriptor function, FunctionHostOptions options, ILogger logger)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(options.FunctionTimeout);
        try
        {
            var result = await function.InvokeAsync(context.RequestServices, context.Request, p => BindRouteValue(context, p), timeout.Token).ConfigureAwait(false);
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
            LogFailed(logger, ex, function.Name);
            if (context.Response.HasStarted)
            {
                // Headers are out: cutting the connection is the only honest way to say the body is incomplete.
                context.Abort();
            }
            else
            {
                var status = ex is OperationCanceledException ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status500InternalServerError;
                await ErrorResults.WriteAsync(context.Response, status, $"{function.Name} failed: {ex.Message}", CancellationToken.None).ConfigureAwait(false);
            }
        }
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
}
