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
        var norm = CommonOptions.Norm();
        var classes = new Option<int?>("--classes") { Description = "Number of classes of the last layer (default 1000, ImageNet's, as in the paper).", HelpName = "N" }.AtLeast(2);
        var command = new Command("summary", "Print a model's layers with output shapes, the (W - F + 2P)/S + 1 arithmetic, parameters and multiply-accumulates, and the totals.")
        {
            model, classes, norm,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var variant = ModelVariants.Get(parse.GetValue(model)!);
            using var backend = CommonOptions.CreateBackend("cpu", threads: 0);
            string? normalization = CommonOptions.ParseNorm(parse.GetValue(norm), variant) is { } chosen ? Run.RunNames.Normalizations[chosen] : null;
            using var built = variant.Build(backend, parse.GetValue(classes) ?? 1000, seed: 0, normalization: normalization);
            app.WriteLine(variant.Description);
            if (normalization is not null && normalization != variant.Normalizations[0])
            {
                app.WriteLine(normalization == Normalization.Batch
                    ? "With --norm batch: batch normalization after each convolution, before its ReLU, in place of LRN; those convolutions have no bias."
                    : "With --norm none: no normalization layers (LRN left out).");
            }
            app.WriteLine(ModelSummary.Of(built).ToText());
            return Task.FromResult(0);
        });
        return command;
    }
}
