using System.Text.Json;
using Microsoft.Azure.Functions.Worker;

namespace ObjectStore.Functions.RabbitMQ;

/// <summary>The message properties a request/reply function needs.</summary>
public sealed record RabbitMQMessageProperties(string? ReplyTo, string? CorrelationId, int RetryCount);

/// <summary>
/// Reads a RabbitMQ trigger's binding data from the <see cref="FunctionContext"/>. The RabbitMQ extension passes the
/// delivery's <c>BasicProperties</c>, <c>Exchange</c>, <c>RoutingKey</c>, … as binding data, the properties as JSON;
/// the local host passes the same keys, so a function reads them the same way under either host.
/// </summary>
public static class RabbitMQBindingData
{
    public const string BasicProperties = "BasicProperties";

    /// <summary>Header carrying how often the local host has redelivered a failed message.</summary>
    public const string RetryHeader = "x-objectstore-retry";

    public static RabbitMQMessageProperties Properties(FunctionContext context)
    {
        if (!context.BindingContext.BindingData.TryGetValue(BasicProperties, out var value) || value is null)
        {
            return new RabbitMQMessageProperties(null, null, 0);
        }

        using var document = value switch
        {
            string text => JsonDocument.Parse(text),
            JsonElement element => JsonDocument.Parse(element.GetRawText()),
            _ => JsonDocument.Parse(JsonSerializer.Serialize(value)),
        };
        var root = document.RootElement;
        return new RabbitMQMessageProperties(
            ReadString(root, "ReplyTo"),
            ReadString(root, "CorrelationId"),
            TryGet(root, "Headers", out var headers) && TryGet(headers, RetryHeader, out var retry) && retry.TryGetInt32(out var count) ? count : 0);
    }

    private static string? ReadString(JsonElement element, string name) =>
        TryGet(element, name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool TryGet(JsonElement element, string name, out JsonElement value)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    value = property.Value;
                    return true;
                }
            }
        }

        value = default;
        return false;
    }
}
