using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>
/// Stand-in for the trigger of <c>Microsoft.Azure.Functions.Worker.Extensions.RabbitMQ</c>, which cannot be restored
/// here: same name, namespace, constructors and properties, so function code compiles against either, and the SDK writes
/// the same <c>rabbitMQTrigger</c> binding into functions.metadata. It deliberately carries no <c>ExtensionInformation</c>
/// attribute: with one, the SDK's build would try to restore the WebJobs extension and fail. To switch to the real
/// extension, set <c>UseRealRabbitMQExtension</c> to true in Directory.Build.props; this file is then left out.
/// </summary>
public sealed class RabbitMQTriggerAttribute : TriggerBindingAttribute
{
    public RabbitMQTriggerAttribute(string queueName)
    {
        QueueName = queueName;
    }

    public RabbitMQTriggerAttribute(string hostName, string userNameSetting, string passwordSetting, int port, string queueName)
    {
        HostName = hostName;
        UserNameSetting = userNameSetting;
        PasswordSetting = passwordSetting;
        Port = port;
        QueueName = queueName;
    }

    /// <summary>Name of the app setting holding the AMQP URI (never the URI itself).</summary>
    public string? ConnectionStringSetting { get; set; }

    /// <summary>Broker host when no connection string setting is given.</summary>
    public string? HostName { get; set; }

    /// <summary>The queue the function consumes; may name a setting as <c>%Name%</c>.</summary>
    public string QueueName { get; }

    /// <summary>Setting (as <c>%Name%</c>) holding the user name when no connection string setting is given.</summary>
    public string? UserNameSetting { get; set; }

    /// <summary>Setting (as <c>%Name%</c>) holding the password when no connection string setting is given.</summary>
    public string? PasswordSetting { get; set; }

    /// <summary>Broker port when no connection string setting is given; 0 for the default.</summary>
    public int Port { get; set; }
}
