using System.Runtime.InteropServices;

namespace AlexNet.Training.Cli;

/// <summary>
/// Turns the first SIGINT (Ctrl+C) or SIGTERM (<c>docker stop</c>, systemd, a cluster's pre-emption)
/// into a cancellation request: training finishes its step, writes its checkpoint atomically, says
/// how to resume and exits with 128 + the signal's number. A second signal is left to the system's
/// default and ends the process at once; the atomic writes keep every checkpoint on disk whole.
/// </summary>
public sealed class TerminationSignals : IDisposable
{
    /// <summary>Exit code after SIGTERM (128 + 15, the shell's convention).</summary>
    public const int TerminatedExitCode = 143;

    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _received;

    public TerminationSignals()
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>The first signal received, if any.</summary>
    public PosixSignal? Received { get; private set; }

    /// <summary>
    /// The process's exit code for a command that returned <paramref name="code"/>: a command stopped by
    /// SIGTERM reports 143 rather than Ctrl+C's 130, so a supervisor can tell the two apart.
    /// </summary>
    public int ExitCode(int code) => code == AppHost.Interrupted && Received == PosixSignal.SIGTERM ? TerminatedExitCode : code;

    private void Handle(PosixSignalContext context)
    {
        if (Interlocked.Exchange(ref _received, 1) == 1)
        {
            return; // the second signal: not cancelled, so the default action ends the process now
        }
        context.Cancel = true;
        Received = context.Signal;
        _stop.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
        _stop.Dispose();
    }
}
