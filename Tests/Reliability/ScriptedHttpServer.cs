using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AlexNet.Tests.Reliability;

/// <summary>
/// An HTTP server on 127.0.0.1 whose every answer is written by the test: the handler gets the
/// request's number (0, 1, …) and the connection's stream, so it can stall, send forever, break off
/// or answer well. It stops when disposed.
/// </summary>
internal sealed class ScriptedHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _requests;

    public ScriptedHttpServer(Func<int, NetworkStream, CancellationToken, Task> respond)
    {
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/17flowers.tgz");
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                int number = Interlocked.Increment(ref _requests) - 1;
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        try
                        {
                            var stream = client.GetStream();
                            await Training.LocalHttpServer.ReadRequestAsync(stream, _stop.Token);
                            await respond(number, stream, _stop.Token);
                        }
                        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
                        {
                            // the client went away, or the test ended
                        }
                    }
                });
            }
        });
    }

    public Uri Url { get; }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Writes a 200 answer's header; without <paramref name="length"/> the body runs until the connection closes.</summary>
    public static Task HeaderAsync(NetworkStream stream, long? length, CancellationToken cancellationToken) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\n{(length is long n ? $"Content-Length: {n}\r\n" : "")}Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n"), cancellationToken).AsTask();

    /// <summary>A complete 200 answer with <paramref name="body"/>.</summary>
    public static async Task AnswerAsync(NetworkStream stream, byte[] body, CancellationToken cancellationToken)
    {
        await HeaderAsync(stream, body.Length, cancellationToken);
        await stream.WriteAsync(body, cancellationToken);
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
