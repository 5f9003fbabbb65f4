using AlexNet.Training.Cli;

// The first Ctrl+C or SIGTERM asks the running command to stop cleanly (training finishes its step and
// saves); a second one ends the process at once.
using var signals = new TerminationSignals();
return signals.ExitCode(await AppHost.RunAsync(args, AlexNet.Training.Cli.AppContext.FromProcess(), signals.Token));
