using System.Globalization;

namespace AlexNet.Training.Cli;

/// <summary>
/// How far the image cache is with the images a command asked for: the images the store already held
/// count at once (<see cref="Stored"/>), the others one by one as they are decoded
/// (<see cref="OneDecoded"/>), so the rate and the time left count only the work done now. On a
/// terminal it feeds the progress bar; in a log (no terminal) <see cref="OneDecoded"/> hands back a
/// line at most every <paramref name="every"/>, so that an hours-long first pass over a large data
/// set shows there too. The decoding threads report at the same time.
/// </summary>
public sealed class CacheProgress(int total, TimeSpan every, Func<TimeSpan> clock)
{
    private readonly Lock _gate = new();
    private int _stored, _decoded;
    private TimeSpan? _started;
    private TimeSpan _lastLine;

    public int Total => total;

    /// <summary>Images ready: stored before plus decoded now.</summary>
    public int Ready
    {
        get { lock (_gate) { return _stored + _decoded; } }
    }

    /// <summary>A part's images the store already held; the clock starts at the first call.</summary>
    public void Stored(int images)
    {
        lock (_gate)
        {
            Start();
            _stored += images;
        }
    }

    /// <summary>One image decoded; returns the log line when one is due, else null.</summary>
    public string? OneDecoded()
    {
        lock (_gate)
        {
            var now = Start();
            _decoded++;
            if (now - _lastLine < every)
            {
                return null;
            }
            _lastLine = now;
            return Line(now);
        }
    }

    /// <summary>"N of M images ready, decoding R images/s, about T left".</summary>
    public string Line()
    {
        lock (_gate)
        {
            return Line(clock());
        }
    }

    /// <summary>The closing line: how many were decoded, in how long, at what rate (null when the store held them all).</summary>
    public string? Summary(string folder)
    {
        lock (_gate)
        {
            if (_decoded == 0)
            {
                return null;
            }
            var elapsed = clock() - _started!.Value;
            return string.Create(CultureInfo.InvariantCulture,
                $"image cache: decoded {_decoded:N0} images into {folder} in {elapsed.TotalSeconds:0.0} s ({Rate(elapsed):0} images/s); {_stored:N0} were stored already.");
        }
    }

    private TimeSpan Start()
    {
        var now = clock();
        if (_started is null)
        {
            (_started, _lastLine) = (now, now);
        }
        return now;
    }

    private string Line(TimeSpan now)
    {
        double rate = Rate(now - (_started ?? now));
        int ready = _stored + _decoded;
        string left = rate > 0 ? $", about {Duration(TimeSpan.FromSeconds((total - ready) / rate))} left" : "";
        return string.Create(CultureInfo.InvariantCulture, $"image cache: {ready:N0} of {total:N0} images ready, decoding {rate:0} images/s{left}");
    }

    private double Rate(TimeSpan elapsed) => elapsed > TimeSpan.Zero ? _decoded / elapsed.TotalSeconds : 0;

    private static string Duration(TimeSpan span) => span.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours} h {span.Minutes} min")
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes} min" : $"{Math.Max(1, (int)span.TotalSeconds)} s";
}
