using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace AlexNet.Tests.Reliability;

/// <summary>
/// The <c>alexnet</c> app as a real child process (the apphost next to the tests), for what in-process
/// runs cannot show: signals, being killed, exit codes. Its data cache is the working folder's
/// <c>cache/</c>, never the user's.
/// </summary>
internal sealed partial class AppProcess : IDisposable
{
    public const int SigKill = 9, SigTerm = 15, SigInt = 2;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly object _lock = new();

    private AppProcess(Process process)
    {
        _process = process;
    }

    public static AppProcess Start(string workingDirectory, params string[] args)
    {
        string app = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "alexnet.exe" : "alexnet");
        var info = new ProcessStartInfo(app)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["ALEXNET_DATA"] = Path.Combine(workingDirectory, "cache");
        var process = new Process { StartInfo = info };
        var started = new AppProcess(process);
        process.OutputDataReceived += (_, e) => started.Append(started._output, e.Data);
        process.ErrorDataReceived += (_, e) => started.Append(started._error, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_lock)
            {
                return _error.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits until stdout holds <paramref name="text"/>; false when the process ended or the time ran out first.</summary>
    public bool WaitForOutput(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }
            if (_process.HasExited)
            {
                _process.WaitForExit();
                return Output.Contains(text, StringComparison.Ordinal);
            }
            Thread.Sleep(20);
        }
        return false;
    }

    /// <summary>Sends signal <paramref name="signal"/> (e.g. <see cref="SigTerm"/>) to the process.</summary>
    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0 && !_process.HasExited)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for the process to end; kills it and fails when it takes longer than <paramref name="timeout"/>.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill();
            Assert.Fail($"alexnet did not exit within {timeout.TotalSeconds} s. Output:\n{Output}\nErrors:\n{Error}");
        }
        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    private void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lock)
        {
            builder.Append(line).Append('\n');
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
