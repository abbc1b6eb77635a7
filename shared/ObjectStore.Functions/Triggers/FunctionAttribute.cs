namespace ObjectStore.Functions;

/// <summary>Marks a public method as a function; the method must have exactly one trigger parameter.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class FunctionAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Base class of the trigger attributes, so discovery can insist on exactly one.</summary>
public abstract class TriggerAttribute : Attribute
{
    /// <summary>Short trigger kind for the start-up banner, as <c>func start</c> prints it.</summary>
    public abstract string Kind { get; }
}
