// LibtorchAgreementTests: torchvision's AlexNet in libtorch against our forward of its imported weights.

using System.Globalization;
using AlexNet.Backends;
using AlexNet.Backends.Cpu;
using AlexNet.Backends.Cuda;
using AlexNet.Training.Checkpoints;
using AlexNet.Training.Cli;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace AlexNet.Tests.Libtorch;

/// <summary>
/// torchvision's AlexNet as libtorch builds it (TorchVision for .NET: <c>torchvision.models.alexnet</c>,
/// AdaptiveAvgPool2d included), its random weights saved as a safetensors state dict under torchvision's
/// names, imported by <c>alexnet import --from torchvision</c>, and our forward pass on the CPU and the
/// emulated CUDA backend compared with libtorch's on the same images: every logit within 1e-4 of
/// libtorch's relative to the largest (|ours − libtorch| ≤ 1e-4·max|libtorch| + 1e-4·|libtorch|), and the same top-1.
/// </summary>
public sealed class LibtorchAgreementTests
{
    private const double Tolerance = 1e-4;
    private const int Classes = 10;

    private static readonly Lazy<Reference> Shared = new(Reference.Create);

    public static TheoryData<string> Backends => ["cpu", "cuda-emulated"];

    [Theory, MemberData(nameof(Backends))]
    public void Our_forward_of_imported_torchvision_weights_agrees_with_libtorch(string backendName)
    {
        var reference = Shared.Value;
        using var backend = CreateBackend(backendName);
        using var model = ModelLoader.Load(Checkpoint.Read(reference.Checkpoint), backend);
        using var input = backend.Allocate(new AlexNet.Tensors.Shape(reference.Batch, 3, 224, 224), "images");
        backend.Upload(reference.Images, input);

        float[] ours = model.Forward(input).ToArray();

        double scale = reference.Logits.Max(v => Math.Abs((double)v));
        Assert.True(scale > 0, "libtorch's logits are all zero, which checks nothing.");
        double largest = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            double difference = Math.Abs((double)ours[i] - reference.Logits[i]);
            largest = Math.Max(largest, difference);
            Assert.True(difference <= (Tolerance * scale) + (Tolerance * Math.Abs(reference.Logits[i])),
                string.Create(CultureInfo.InvariantCulture, $"{backendName}: logit [{i / Classes}, {i % Classes}] is {ours[i]:G9}, libtorch's {reference.Logits[i]:G9} (difference {difference:G3}, allowed {(Tolerance * scale) + (Tolerance * Math.Abs(reference.Logits[i])):G3})."));
        }
        for (int n = 0; n < reference.Batch; n++)
        {
            Assert.Equal(ArgMax(reference.Logits.AsSpan(n * Classes, Classes)), ArgMax(ours.AsSpan(n * Classes, Classes)));
        }
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{backendName}: largest |ours - libtorch| = {largest / scale:G3} of the largest logit ({scale:G4})"));
    }

    [Fact]
    public void Libtorchs_state_dict_names_and_shapes_are_the_ones_the_importer_expects()
    {
        using var _ = torch.NewDisposeScope();
        using var alexnet = torchvision.models.alexnet(num_classes: Classes);
        var names = alexnet.state_dict().Keys.Order(StringComparer.Ordinal);

        Assert.Equal(AlexNet.Training.Interop.TorchVisionImporter.Names.Select(n => n.TorchVision).Order(StringComparer.Ordinal), names);
    }

    private static IBackend CreateBackend(string name)
    {
        if (name == "cpu")
        {
            return new CpuBackend();
        }
        try
        {
            return CudaBackend.CreateEmulated();
        }
        catch (CudaUnavailableException error)
        {
            if (Environment.GetEnvironmentVariable("ALEXNET_CI") == "1")
            {
                Assert.Fail($"ALEXNET_CI=1 promises g++ for the emulated CUDA backend, but {error.Message}");
            }
            Assert.Skip(error.Message);
            throw;
        }
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }

    /// <summary>libtorch's model, images and logits, and our checkpoint imported from its weights; made once for both backends.</summary>
    private sealed record Reference(string Checkpoint, int Batch, float[] Images, float[] Logits)
    {
        public static Reference Create()
        {
            string folder = Path.Combine(Path.GetTempPath(), $"alexnet-libtorch-{Environment.ProcessId}");
            Directory.CreateDirectory(folder);
            // Both backends' tests share the files, so they go when the test process ends.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(folder, recursive: true);
            using var scope = torch.NewDisposeScope();
            torch.manual_seed(2012);
            torch.set_num_threads(2);
            using var alexnet = torchvision.models.alexnet(num_classes: Classes);
            alexnet.eval();
            // The state dict as torch's safetensors would store it: F32, row-major, torchvision's names.
            var tensors = alexnet.state_dict().Select(entry => SafeTensor.F32(entry.Key, [.. entry.Value.shape.Select(d => (int)d)], entry.Value.contiguous().data<float>().ToArray())).ToList();
            string weights = Path.Combine(folder, "alexnet.safetensors");
            using (var stream = File.Create(weights))
            {
                SafeTensors.Write(stream, tensors, new Dictionary<string, string> { ["format"] = "pt" });
            }
            const int batch = 2;
            using var images = torch.randn(batch, 3, 224, 224);
            float[] logits;
            using (torch.no_grad())
            {
                logits = alexnet.forward(images).data<float>().ToArray();
            }
            string checkpoint = Path.Combine(folder, "imported.safetensors");
            Import(folder, weights, checkpoint);
            return new Reference(checkpoint, batch, images.data<float>().ToArray(), logits);
        }

        /// <summary>Runs <c>alexnet import</c> in-process, as a user would from the shell.</summary>
        private static void Import(string folder, string weights, string checkpoint)
        {
            var output = new StringWriter();
            var error = new StringWriter();
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, Interactive = InteractionSupport.No, Out = new AnsiConsoleOutput(output) });
            var app = new AlexNet.Training.Cli.AppContext(console, error, folder, _ => null);
            int code = AppHost.RunAsync(["import", "--from", "torchvision", weights, "--out", checkpoint], app, CancellationToken.None).GetAwaiter().GetResult();
            Assert.True(code == 0, $"alexnet import failed ({code}): {error}");
        }
    }
}
