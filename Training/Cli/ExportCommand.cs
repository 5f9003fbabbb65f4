// alexnet export: a checkpoint written as ONNX through Interop/OnnxExporter.cs.

using System.CommandLine;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Interop;

namespace AlexNet.Training.Cli;

/// <summary><c>alexnet export</c>: a checkpoint as a standard ONNX model, for ONNX Runtime and every other ONNX engine.</summary>
public static class ExportCommand
{
    public static Command Create(AppContext app)
    {
        var checkpointOption = new Option<string>("--checkpoint") { Description = "The checkpoint to export, e.g. runs/alexnet-oxflower17/best.safetensors.", HelpName = "FILE", Required = true };
        var onnxOption = new Option<string>("--onnx") { Description = "The ONNX file to write (opset 17, dynamic batch, preprocessing and class names in its metadata).", HelpName = "OUT.onnx", Required = true };
        var softmax = new Option<bool>("--softmax") { Description = "End the graph with a Softmax, so it outputs probabilities instead of logits." };
        var command = new Command("export", "Write a checkpoint's network as an ONNX model (inference form: no dropout, batch norm from its running statistics).")
        {
            checkpointOption, onnxOption, softmax,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var checkpoint = Checkpoint.Read(Path.GetFullPath(parse.GetValue(checkpointOption)!, app.WorkingDirectory));
            string output = Path.GetFullPath(parse.GetValue(onnxOption)!, app.WorkingDirectory);
            if (Directory.Exists(output))
            {
                throw new AppException($"'{output}' is a folder; --onnx expects a file name such as {Path.Combine(output, "model.onnx")}.");
            }
            using var backend = CommonOptions.CreateBackend("cpu", threads: 0);
            using var model = ModelLoader.Load(checkpoint, backend);
            AtomicFile.Write(output, stream => OnnxExporter.Write(stream, model, checkpoint.State.ClassNames, checkpoint.State.Preprocessing, parse.GetValue(softmax)));
            app.WriteLine($"Wrote {output}: {model.Name}, {checkpoint.State.ClassNames.Count} classes, {model.ParameterCount:N0} parameters, ONNX opset {OnnxExporter.Opset}, input {OnnxExporter.InputName} [N, {model.InputShape[0]}, {model.InputShape[1]}, {model.InputShape[2]}], output {(parse.GetValue(softmax) ? OnnxExporter.ProbabilitiesName : OnnxExporter.LogitsName)} [N, {checkpoint.State.ClassNames.Count}].");
            app.WriteLine(OnnxExporter.PreprocessingText(checkpoint.State.Preprocessing));
            return Task.FromResult(0);
        });
        return command;
    }
}
