namespace ObjectStore.Functions;

/// <summary>
/// Binds an <see cref="Microsoft.AspNetCore.Http.HttpRequest"/> parameter. <see cref="Route"/> is an ASP.NET Core
/// route template below the host's route prefix; it defaults to the function name. Other string parameters
/// of the method bind to route values of the same name.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false)]
public sealed class HttpTriggerAttribute(params string[] methods) : TriggerAttribute
{
    public string[] Methods { get; } = methods;

    public string? Route { get; init; }

    public override string Kind => "httpTrigger";
}
