namespace ObjectStore.Functions.Hosting;

/// <summary>A function class or method is not a valid function; thrown at start-up, never at run time.</summary>
public sealed class FunctionIndexingException(string message) : Exception(message);

/// <summary>
/// A trigger's payload cannot be bound to the function's parameters (for example a malformed message).
/// Retrying cannot help, so message triggers dead-letter at once.
/// </summary>
public sealed class FunctionBindingException(string message, Exception? inner = null) : Exception(message, inner);
