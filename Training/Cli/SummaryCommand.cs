using System.CommandLine;
using AlexNet.Layers;
using AlexNet.Layers.Variants;

namespace AlexNet.Training.Cli;

/// <summary><c>alexnet summary</c>: the Keras-style table of a variant's layers, shapes, parameters and multiply-accumulates.</summary>
public static class SummaryCommand
{
    public static Command Create(AppContext app)
    {
        var model = CommonOptions.Model("alexnet");
        var classes = new Option<int?>("--classes") { Description = "Number of classes of the last layer (default 1000, ImageNet's, as in the paper).", HelpName = "N" }.AtLeast(2);
        var command = new Command("summary", "Print a model's layers with output shapes, the (W - F + 2P)/S + 1 arithmetic, parameters and multiply-accumulates, and the totals.")
        {
            model, classes,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var variant = ModelVariants.Get(parse.GetValue(model)!);
            using var backend = CommonOptions.CreateBackend("cpu", threads: 0);
            using var built = variant.Build(backend, parse.GetValue(classes) ?? 1000, seed: 0);
            app.WriteLine(variant.Description);
            app.WriteLine(ModelSummary.Of(built).ToText());
            return Task.FromResult(0);
        });
        return command;
    }
}
