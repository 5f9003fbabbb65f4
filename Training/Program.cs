using AlexNet.Training.Cli;

// The first Ctrl+C asks the running command to stop cleanly (training finishes its step and saves);
// a second one ends the process at once.
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (!interrupt.IsCancellationRequested)
    {
        e.Cancel = true;
        interrupt.Cancel();
    }
};
return await AppHost.RunAsync(args, AlexNet.Training.Cli.AppContext.FromProcess(), interrupt.Token);
