using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AlexNet.Tests.Training;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (a port the system picks) that answers every GET with one
/// body. With <c>truncateAfter</c> it announces the full length but closes the connection early,
/// as a broken download does; with <c>delay</c> it waits that long before answering, as a stalled
/// server does. It serves a bounded number of requests and stops when disposed.
/// </summary>
internal sealed class LocalHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LocalHttpServer(byte[] body, int? truncateAfter = null, int status = 200, TimeSpan? delay = null)
    {
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/17flowers.tgz");
        _loop = Task.Run(async () =>
        {
            for (int served = 0; served < 16 && !_stop.IsCancellationRequested; served++)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                using var stream = client.GetStream();
                await ReadRequestAsync(stream);
                if (delay is { } wait)
                {
                    await Task.Delay(wait, _stop.Token);
                }
                string reason = status == 200 ? "OK" : "Not Found";
                var header = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {reason}\r\nContent-Length: {body.Length}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(header, _stop.Token);
                await stream.WriteAsync(body.AsMemory(0, truncateAfter ?? body.Length), _stop.Token);
                Requests++;
            }
        });
    }

    public Uri Url { get; }

    public int Requests { get; private set; }

    /// <summary>Reads a request up to the blank line that ends its headers (the tests' servers ignore what it asks).</summary>
    internal static async Task ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[4096];
        var text = new StringBuilder();
        while (!text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            int read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return;
            }
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}
