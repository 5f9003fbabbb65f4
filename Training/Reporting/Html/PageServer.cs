using System.Net;
using System.Text;

namespace AlexNet.Training.Reporting.Html;

/// <summary>
/// A small HTTP server for one page: <c>/</c> answers the page, <c>/data.json</c> its current data, anything
/// else 404. It listens on 127.0.0.1 unless another address is given, answers one request at a time on
/// its own thread, and stops when disposed.
/// </summary>
public sealed class PageServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<string> _page;
    private readonly Func<string>? _data;
    private readonly Thread _thread;

    /// <param name="host">the address to listen on: 127.0.0.1 (loopback only), or e.g. 0.0.0.0 / * for every interface</param>
    /// <param name="port">the TCP port</param>
    /// <param name="page">the HTML answered at <c>/</c>, asked anew for each request</param>
    /// <param name="data">the JSON answered at <c>/data.json</c>, or null when the page has none</param>
    /// <exception cref="AppException">The port cannot be listened on (in use, not allowed).</exception>
    public PageServer(string host, int port, Func<string> page, Func<string>? data)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentNullException.ThrowIfNull(page);
        if (port is < 1 or > 65535)
        {
            throw new AppException($"The port {port} is not a TCP port; expected 1 to 65535.");
        }
        _page = page;
        _data = data;
        string listenHost = host is "0.0.0.0" or "*" or "+" ? "+" : host;
        _listener.Prefixes.Add($"http://{listenHost}:{port}/");
        try
        {
            _listener.Start();
        }
        catch (HttpListenerException e)
        {
            throw new AppException($"Cannot serve on {host}:{port}: {e.Message}. Choose another port.", e);
        }
        Address = new Uri($"http://{(listenHost == "+" ? "127.0.0.1" : host)}:{port}/");
        _thread = new Thread(Serve) { IsBackground = true, Name = "page server" };
        _thread.Start();
    }

    /// <summary>Where the page can be opened on this machine.</summary>
    public Uri Address { get; }

    private void Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = _listener.GetContext();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            try
            {
                Answer(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The browser went away mid-answer; the next request is served as usual.
            }
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var response = context.Response;
        string path = context.Request.Url?.AbsolutePath ?? "/";
        (int status, string type, string body) = path switch
        {
            "/" or "/index.html" => (200, "text/html; charset=utf-8", _page()),
            "/data.json" when _data is not null => (200, "application/json; charset=utf-8", _data()),
            _ => (404, "text/plain; charset=utf-8", $"Not found: {path}. This server answers / and /data.json."),
        };
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = type;
        response.Headers["Cache-Control"] = "no-store";
        response.ContentLength64 = bytes.Length;
        response.OutputStream.Write(bytes);
        response.Close();
    }

    public void Dispose()
    {
        if (_listener.IsListening)
        {
            _listener.Stop();
        }
        _listener.Close();
        _thread.Join(TimeSpan.FromSeconds(5));
    }
}
