namespace ObjectStore.Storage.Objects;

/// <summary>Rebuild whatever copies or shards of this content are missing. Carried on the durable repair queue.</summary>
public sealed record RepairRequest(string Hash, string Layout, long Size, string Reason);
