using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using ObjectStore.Functions.Hosting;
using ObjectStore.Functions.Http;
using ObjectStore.Functions.RabbitMQ;
using ObjectStore.Storage.Cluster;
using ObjectStore.Storage.Metadata;
using ObjectStore.Storage.Naming;
using ObjectStore.Storage.Objects;

namespace ObjectStore.Api.Edge;

/// <summary>The Api's HTTP edge: takes the object name from the request, and maps every domain error to a status in one place.</summary>
public static class ApiHttp
{
    public static async Task<IResult> RunAsync(HttpRequest request, string routeLiteral, Func<ObjectName, Task<IResult>> action)
    {
        var prefix = request.HttpContext.RequestServices.GetRequiredService<FunctionHostOptions>().RoutePrefix;
        var literal = prefix.Length == 0 ? $"/{routeLiteral}/" : $"/{prefix}/{routeLiteral}/";
        var rawTarget = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? string.Empty;
        if (!ObjectName.TryParseRawTarget(rawTarget, literal, out var name, out var error))
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, error);
        }

        try
        {
            return await action(name!).ConfigureAwait(false);
        }
        catch (Exception ex) when (ToStatus(ex) is { } status)
        {
            return ErrorResults.Error(status, ex.Message);
        }
    }

    /// <summary>The query of a name listing, checked: 400 for a bad limit or an impossible prefix, then errors as for objects.</summary>
    public static async Task<IResult> RunListingAsync(HttpRequest request, Func<NameQuery, Task<IResult>> action)
    {
        if (!NameQuery.TryParse(request.Query, out var query, out var error))
        {
            return ErrorResults.Error(StatusCodes.Status400BadRequest, error);
        }

        try
        {
            return await action(query).ConfigureAwait(false);
        }
        catch (Exception ex) when (ToStatus(ex) is { } status)
        {
            return ErrorResults.Error(status, ex.Message);
        }
    }

    /// <summary>Null for exceptions that are bugs: those reach the host and become a logged 500.</summary>
    public static int? ToStatus(Exception ex) => ex switch
    {
        ObjectNotFoundException => StatusCodes.Status404NotFound,
        InvalidObjectRequestException => StatusCodes.Status400BadRequest,
        StoreUnavailableException or MetadataUnavailableException or MessageBusUnavailableException or ControlBusUnavailableException => StatusCodes.Status503ServiceUnavailable,
        DataNodeException => StatusCodes.Status502BadGateway,
        NotSupportedException => StatusCodes.Status501NotImplemented,
        _ => null,
    };

    public static bool TryParseVersion(HttpRequest request, out long? version, out IResult? error)
    {
        version = null;
        error = null;
        if (!request.Query.TryGetValue("version", out var values))
        {
            return true;
        }

        if (long.TryParse(values.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed >= 1)
        {
            version = parsed;
            return true;
        }

        error = ErrorResults.Error(StatusCodes.Status400BadRequest, "version must be a positive integer");
        return false;
    }
}
