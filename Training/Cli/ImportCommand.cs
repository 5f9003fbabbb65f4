// alexnet import: torchvision weights made a checkpoint through Interop/TorchVisionImporter.cs.

using System.CommandLine;
using AlexNet.Training.Interop;

namespace AlexNet.Training.Cli;

/// <summary><c>alexnet import --from torchvision</c>: torchvision's AlexNet weights as one of our checkpoints.</summary>
public static class ImportCommand
{
    public static Command Create(AppContext app)
    {
        var from = new Option<string>("--from") { Description = "Whose layout the weights are in: torchvision (torchvision.models.alexnet's state dict).", HelpName = "torchvision", Required = true }
            .AcceptOnlyFromAmong("torchvision");
        var weights = new Argument<string>("WEIGHTS") { Description = "The state dict as a .safetensors file (a .pth converts with two lines of Python: see Docs/interop.md)." };
        var output = new Option<string>("--out") { Description = "The checkpoint to write, e.g. imagenet.safetensors.", HelpName = "CHECKPOINT", Required = true };
        var classNames = new Option<string>("--class-names") { Description = "A text file with one class name per line, in the order of the weights' outputs (default: class-0, class-1, ...).", HelpName = "FILE" };
        var command = new Command("import", "Turn another framework's AlexNet weights into a checkpoint of the matching variant, for evaluate, predict, export and train --init-from.")
        {
            from, weights, output, classNames,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            string outputPath = Path.GetFullPath(parse.GetValue(output)!, app.WorkingDirectory);
            if (Directory.Exists(outputPath))
            {
                throw new AppException($"'{outputPath}' is a folder; --out expects a file name such as {Path.Combine(outputPath, "imagenet.safetensors")}.");
            }
            var names = parse.GetValue(classNames) is { } file ? ReadClassNames(Path.GetFullPath(file, app.WorkingDirectory)) : null;
            string source = Path.GetFullPath(parse.GetValue(weights)!, app.WorkingDirectory);
            var (classes, parameters) = TorchVisionImporter.Import(source, outputPath, names);
            app.WriteLine($"Wrote {outputPath}: torchvision, {classes} classes{(names is null ? " (named class-0 … by index; --class-names names them)" : "")}, {parameters:N0} parameters, torchvision's ImageNet preprocessing (resize 256, crop 224, mean/std).");
            return Task.FromResult(0);
        });
        return command;
    }

    private static List<string> ReadClassNames(string path)
    {
        if (!File.Exists(path))
        {
            throw new AppException($"The class-name file '{path}' does not exist.");
        }
        var lines = File.ReadAllLines(path).Select(line => line.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        int blank = lines.FindIndex(line => line.Length == 0);
        if (blank >= 0)
        {
            throw new AppException($"'{path}' line {blank + 1} is empty; the file must hold one class name per line.");
        }
        return lines;
    }
}
