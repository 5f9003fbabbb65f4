using System.Globalization;

namespace AlexNet.Tests.Reliability;

/// <summary>
/// Watches another process's anonymous resident memory (Linux <c>RssAnon</c>: heaps, stacks, the
/// runtime; not the pages of mapped files, which the system drops under pressure) every 10 ms
/// until disposed, from outside the process, so the figure does not rely on the app's own report.
/// </summary>
internal sealed class ResidentPeak : IDisposable
{
    private readonly int _processId;
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _peak;

    public ResidentPeak(int processId)
    {
        _processId = processId;
        _thread = new Thread(Watch) { IsBackground = true, Name = "resident memory watcher" };
        _thread.Start();
    }

    /// <summary>The largest anonymous resident size seen, in bytes.</summary>
    public long Bytes => Interlocked.Read(ref _peak);

    /// <summary>How many samples were read (read it after disposing); the test checks it saw the process at all.</summary>
    public int Samples { get; private set; }

    private void Watch()
    {
        string status = $"/proc/{_processId}/status";
        while (!_stop)
        {
            try
            {
                foreach (string line in File.ReadLines(status))
                {
                    if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                    {
                        long bytes = long.Parse(line["RssAnon:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                        Interlocked.Exchange(ref _peak, Math.Max(_peak, bytes));
                        Samples++;
                    }
                }
            }
            catch (IOException)
            {
                // The process has exited (its /proc entry is gone): nothing more to see.
                return;
            }
            Thread.Sleep(10);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
