namespace ObjectStore.Functions;

/// <summary>Per-invocation facts; bind a parameter of this type to get them.</summary>
public sealed record FunctionContext(string FunctionName, string InvocationId, IServiceProvider Services);
