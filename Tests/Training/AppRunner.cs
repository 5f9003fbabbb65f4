using AlexNet.Training.Cli;
using Spectre.Console;

namespace AlexNet.Tests.Training;

/// <summary>Runs the <c>alexnet</c> app in-process with captured output, a working folder and an environment of the test's choosing.</summary>
internal static class AppRunner
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static Task<Result> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        RunAsync(workingDirectory, environment, (Action<long, AlexNet.Backends.IBackend>?)null, TestContext.Current.CancellationToken, args);

    public static Task<Result> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, Action<long, AlexNet.Backends.IBackend>? afterStep, CancellationToken cancellationToken, params string[] args) =>
        RunAsync(workingDirectory, environment, app => app with { AfterTrainingStep = afterStep }, cancellationToken, args);

    public static Task<Result> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, Action<long, AlexNet.Backends.IBackend>? afterStep,
        IProgress<AlexNet.Training.Run.RunProgress>? listener, CancellationToken cancellationToken, params string[] args) =>
        RunAsync(workingDirectory, environment, app => app with { AfterTrainingStep = afterStep, TrainingListener = listener }, cancellationToken, args);

    /// <summary>Runs the app with the context <paramref name="configure"/> makes of the default one (e.g. a fault-injecting disk).</summary>
    public static async Task<Result> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, Func<AlexNet.Training.Cli.AppContext, AlexNet.Training.Cli.AppContext> configure, CancellationToken cancellationToken, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        var env = environment ?? new Dictionary<string, string>();
        // Never fall back to the user's real cache: an unset ALEXNET_DATA points at the working folder.
        string? Lookup(string name) => env.TryGetValue(name, out var value) ? value
            : name == AlexNet.Training.Data.DataCache.EnvironmentVariable ? Path.Combine(workingDirectory, "cache") : null;
        var app = configure(new AlexNet.Training.Cli.AppContext(console, error, workingDirectory, Lookup));
        int code = await AppHost.RunAsync(args, app, cancellationToken);
        return new Result(code, output.ToString(), error.ToString());
    }
}
