using ObjectStore.FileSystem.Meta.Kv;

namespace ObjectStore.FileSystem.Tests.Meta;

/// <summary>The contract on the in-memory engine: fast unit tests of the namespace logic.</summary>
public sealed class MemoryMetaContractTests : MetaContractTests
{
    protected override ITransactionalKv Kv { get; } = new MemoryKv(TimeProvider.System);
}
