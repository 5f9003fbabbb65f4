using System.CommandLine;

namespace AlexNet.Training.Cli;

/// <summary>
/// Builds the <c>alexnet</c> command line from its commands and runs it. Every failure ends here:
/// one line on stderr (the full exception only with <c>--verbose</c>) and a non-zero exit code.
/// </summary>
public static class AppHost
{
    /// <summary>Exit code for a failure (bad data, bad checkpoint, I/O error, …).</summary>
    public const int Failure = 1;

    /// <summary>Exit code for a command line that is wrong: it does not parse, an option's value is out of range, or options do not go together.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code after Ctrl+C (128 + SIGINT, the shell's convention).</summary>
    public const int Interrupted = 130;

    /// <summary>Shows the full exception on failure; on every command.</summary>
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Show full error details (stack traces) when something fails.",
        Recursive = true,
    };

    private const string Description = """
        AlexNet (Krizhevsky, Sutskever & Hinton, 2012) from scratch: train it on Oxford 17 Flowers
        (downloaded on first use) or on your own image folders, then evaluate and predict.

        Examples:
          alexnet train                                  train the paper's network on Oxford 17 Flowers
          alexnet train --model mini --synthetic --epochs 3   a 10-second offline smoke run
          alexnet train --resume runs/alexnet-oxflower17 --epochs 120
          alexnet evaluate --checkpoint runs/alexnet-oxflower17/best.safetensors --tta
          alexnet predict --checkpoint runs/alexnet-oxflower17/best.safetensors photo.jpg
          alexnet summary --model alexnet --classes 1000
          alexnet visualize --checkpoint runs/alexnet-oxflower17/best.safetensors --filters --activations photo.jpg
          alexnet report runs/alexnet-oxflower17           report.html: curves, confusion matrix, kernels
          alexnet explore --checkpoint runs/alexnet-oxflower17/best.safetensors photo.jpg   every layer of one image, in the browser
          alexnet bench --model alexnet --batch-size 64 --train --layers   where the time of a training step goes
          alexnet export --checkpoint runs/alexnet-oxflower17/best.safetensors --onnx alexnet.onnx
          alexnet import --from torchvision alexnet-owt.safetensors --out imagenet.safetensors
          mpirun -np 2 alexnet train --model mini --synthetic   data-parallel: 2 processes, half of every batch each

        Exit codes: 0 done; 1 failed (data, files, checkpoints, disk, network, a diverged run, a run folder
        in use by another training); 2 the command line is wrong (an unknown option, a bad value, options
        that do not go together); 130 stopped by Ctrl+C, 143 stopped by SIGTERM (a training saves its last
        step first: continue it with --resume).
        """;

    /// <summary>The app's commands, in the order <c>--help</c> lists them. Adding a command is one line here.</summary>
    private static Command[] Commands(AppContext app) =>
    [
        TrainCommand.Create(app),
        EvaluateCommand.Create(app),
        PredictCommand.Create(app),
        SummaryCommand.Create(app),
        VisualizeCommand.Create(app),
        ReportCommand.Create(app),
        ExploreCommand.Create(app),
        DataCommand.Create(app),
        BenchCommand.Create(app),
        CudaInfoCommand.Create(app),
        ExportCommand.Create(app),
        ImportCommand.Create(app),
        CommBenchCommand.Create(app),
    ];

    /// <summary>The root command with every subcommand.</summary>
    public static RootCommand BuildRoot(AppContext app)
    {
        var root = new RootCommand(Description);
        root.Options.Add(Verbose);
        foreach (var command in Commands(app))
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    /// <summary>Parses <paramref name="args"/> and runs the chosen command; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, AppContext app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var root = BuildRoot(app);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            string command = string.Join(' ', CommandPath(parsed.CommandResult.Command));
            string errors = string.Join(" ", parsed.Errors.Select(e => EndSentence(Plain(OneLine(e.Message)))));
            await app.Error.WriteLineAsync($"alexnet: {errors} See '{command} --help'.").ConfigureAwait(false);
            return UsageError;
        }
        var configuration = new InvocationConfiguration
        {
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // Ctrl+C is ours: training finishes its step and saves.
            Output = app.Console.Profile.Out.Writer,
            Error = app.Error,
        };
        try
        {
            return await parsed.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await app.Error.WriteLineAsync("alexnet: interrupted.").ConfigureAwait(false);
            return Interrupted;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            bool verbose = parsed.GetValue(Verbose);
            string message = OneLine(ErrorMessages.Explain(e));
            await app.Error.WriteLineAsync(verbose ? $"alexnet: error: {e}" : $"alexnet: error: {message}").ConfigureAwait(false);
            return e is AppException { IsUsageError: true } ? UsageError : Failure;
        }
    }

    private static IEnumerable<string> CommandPath(Command command)
    {
        yield return "alexnet";
        if (command is not RootCommand)
        {
            yield return command.Name;
        }
    }

    private static string EndSentence(string text) => text.EndsWith('.') ? text : text + ".";

    /// <summary>Says "a whole number" where the parser names a .NET type.</summary>
    private static string Plain(string message) => message
        .Replace("expected type 'System.Nullable`1[System.Int32]'", "a whole number", StringComparison.Ordinal)
        .Replace("expected type 'System.Int32'", "a whole number", StringComparison.Ordinal)
        .Replace("expected type 'System.Int64'", "a whole number", StringComparison.Ordinal)
        .Replace("expected type 'System.UInt64'", "a non-negative whole number", StringComparison.Ordinal)
        .Replace("expected type 'System.Nullable`1[System.Double]'", "a number", StringComparison.Ordinal);

    /// <summary>Joins a multi-line message (e.g. a list of allowed values) into one line.</summary>
    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
