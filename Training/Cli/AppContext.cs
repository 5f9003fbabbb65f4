using AlexNet.Backends;
using AlexNet.Training.Run;
using Spectre.Console;

namespace AlexNet.Training.Cli;

/// <summary>
/// What every command needs from the outside world, passed in rather than read from globals so
/// tests can run the whole app in-process: the console (Spectre.Console, which degrades to plain
/// text when output is redirected), the error stream, the working directory that <c>runs/</c> is
/// created in, and the environment variables.
/// </summary>
public sealed record AppContext(IAnsiConsole Console, TextWriter Error, string WorkingDirectory, Func<string, string?> Environment)
{
    /// <summary>The real console, stderr, the current directory and the process environment.</summary>
    public static AppContext FromProcess() =>
        new(AnsiConsole.Console, System.Console.Error, Directory.GetCurrentDirectory(), System.Environment.GetEnvironmentVariable);

    /// <summary>Called after every training step with the run's step count and its backend; lets tests interrupt a run at an exact step or count its copies.</summary>
    public Action<long, IBackend>? AfterTrainingStep { get; init; }

    /// <summary>The disk checkpoints and downloads are written to; tests stand in a full or read-only one.</summary>
    public Reliability.IDisk Disk { get; init; } = Reliability.LocalDisk.Instance;

    /// <summary>Told a training run's progress after every step and every finished epoch: where a live view of the run plugs in.</summary>
    public IProgress<RunProgress>? TrainingListener { get; init; }

    /// <summary>True when the console shows live, redrawn output (a terminal, not a file or pipe).</summary>
    public bool IsInteractive => Console.Profile.Capabilities.Interactive && Console.Profile.Capabilities.Ansi;

    /// <summary>
    /// Writes one line of plain text (no markup). Redirected output gets it unwrapped, so logs keep one
    /// line per message; a terminal gets it through Spectre, which wraps it to the window.
    /// </summary>
    public void WriteLine(string text)
    {
        if (IsInteractive)
        {
            Console.WriteLine(text);
        }
        else
        {
            Console.Profile.Out.Writer.WriteLine(text);
        }
    }

    /// <summary>The same context with its console output discarded: what a data-parallel rank other than 0 prints to (errors still reach stderr).</summary>
    public AppContext Quiet() => this with
    {
        Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null), Interactive = InteractionSupport.No }),
    };

    /// <summary>Writes a warning line on stderr.</summary>
    public void Warn(string text) => Error.WriteLine($"warning: {text}");
}
