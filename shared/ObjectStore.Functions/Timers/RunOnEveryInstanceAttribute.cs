namespace ObjectStore.Functions.Timers;

/// <summary>
/// A timer that works on instance-local state (an in-memory registry, the instance's own disk) and so must run on every
/// instance, not as the Functions singleton. The local host then takes no lease for it. The Functions host has no such
/// switch: timers are singletons per host id there, which is the same thing when each instance is its own app (a data
/// node), and means one instance of a scaled-out app runs it (README).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RunOnEveryInstanceAttribute : Attribute;
