using System.Net.Sockets;
using System.Text;

namespace ObjectStore.IntegrationTests.Infrastructure;

/// <summary>
/// HTTP/1.1 over a bare socket, for what HttpClient will not send: request targets it would re-escape, and bodies
/// cut off before their Content-Length.
/// </summary>
public static class RawHttp
{
    /// <summary>Sends the head and body and returns the status code and the response text.</summary>
    public static async Task<(int Status, string Response)> SendAsync(string address, string method, string target, byte[] body)
    {
        using var client = await ConnectAsync(address);
        var stream = client.GetStream();
        var head = $"{method} {target} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (int.Parse(response.Split(' ', 3)[1]), response);
    }

    /// <summary>Declares <paramref name="declaredLength"/> bytes, sends only <paramref name="sent"/>, then drops the connection.</summary>
    public static async Task SendTruncatedAsync(string address, string target, long declaredLength, byte[] sent)
    {
        using var client = await ConnectAsync(address);
        var stream = client.GetStream();
        var head = $"PUT {target} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {declaredLength}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(sent);
        await stream.FlushAsync();
        client.Client.Shutdown(SocketShutdown.Both);
    }

    private static async Task<TcpClient> ConnectAsync(string address)
    {
        var colon = address.LastIndexOf(':');
        var client = new TcpClient();
        await client.ConnectAsync(address[..colon], int.Parse(address[(colon + 1)..]));
        return client;
    }
}
