using AlexNet.Backends;
using AlexNet.Tensors;
using Xunit.Sdk;

namespace AlexNet.Tests.Backends;

/// <summary>
/// One contract for every backend (Backends/OpContract): the same bad calls, run through the reference,
/// cpu, cuda-emulated and cuda backends, fail with the same exception type, the same parameter name and
/// the same message, which says what was wrong and what was expected. Each backend runs every case and
/// the test lists all the cases that went otherwise. A real GPU skips where there is none.
/// </summary>
public sealed class ContractTests
{
    /// <summary>A bad call: what it is, the exception and message it must raise, and the call (tensors made through <c>t</c>).</summary>
    private sealed record BadCall(string What, Type Exception, string Parameter, string Message, Action<IBackend, Func<string, int[], Tensor>> Call);

    private static BadCall Bad<TException>(string what, string parameter, string message, Action<IBackend, Func<string, int[], Tensor>> call)
        where TException : ArgumentException =>
        new(what, typeof(TException), parameter, message, call);

    private static readonly BadCall[] Cases =
    [
        Bad<ArgumentException>("a convolution output of the wrong size", "y", "Conv2dForward: y is out [2, 4, 7, 7], expected shape [2, 4, 8, 8].",
            (b, t) => b.Conv2dForward(t("x", [2, 3, 8, 8]), t("w", [4, 3, 3, 3]), null, new Convolution(1, 1), t("out", [2, 4, 7, 7]))),
        Bad<ArgumentException>("weights that do not fit the groups", "weight",
            "Conv2dForward: weight is w [4, 3, 3, 3], expected [O, 4/2, KH, KW] with O divisible by 2, for x x [2, 4, 8, 8] in 2 group(s).",
            (b, t) => b.Conv2dForward(t("x", [2, 4, 8, 8]), t("w", [4, 3, 3, 3]), null, new Convolution(1, 1, 2), t("out", [2, 4, 8, 8]))),
        Bad<ArgumentException>("a kernel larger than the padded image", "x",
            "Conv2dForward: x is x [1, 1, 2, 2], expected an image at least as large as the 5×5 kernel with padding 1.",
            (b, t) => b.Conv2dForward(t("x", [1, 1, 2, 2]), t("w", [1, 1, 5, 5]), null, new Convolution(1, 1), t("out", [1, 1, 1, 1]))),
        Bad<ArgumentException>("a stride of 0", "convolution",
            "Conv2dForward: convolution is Convolution { Stride = 0, Padding = 0, Groups = 1 }, expected stride ≥ 1, padding ≥ 0 and groups ≥ 1.",
            (b, t) => b.Conv2dForward(t("x", [1, 1, 4, 4]), t("w", [1, 1, 3, 3]), null, new Convolution(0, 0, 1), t("out", [1, 1, 2, 2]))),
        Bad<ArgumentException>("a bias of the wrong length", "bias", "Conv2dForward: bias is b [3], expected shape [4].",
            (b, t) => b.Conv2dForward(t("x", [2, 3, 8, 8]), t("w", [4, 3, 3, 3]), t("b", [3]), new Convolution(1, 1), t("out", [2, 4, 8, 8]))),
        Bad<ArgumentException>("an output gradient of the wrong size", "dy", "Conv2dBackwardData: dy is dy [2, 4, 6, 6], expected shape [2, 4, 8, 8].",
            (b, t) => b.Conv2dBackwardData(t("dy", [2, 4, 6, 6]), t("w", [4, 3, 3, 3]), new Convolution(1, 1), t("dx", [2, 3, 8, 8]))),
        Bad<ArgumentException>("a weight gradient for another input", "dWeight",
            "Conv2dBackwardFilter: dWeight is dw [4, 2, 3, 3], expected [O, 3/1, KH, KW] with O divisible by 1, for x x [2, 3, 8, 8] in 1 group(s).",
            (b, t) => b.Conv2dBackwardFilter(t("x", [2, 3, 8, 8]), t("dy", [2, 4, 8, 8]), new Convolution(1, 1), t("dw", [4, 2, 3, 3]))),
        Bad<ArgumentException>("a bias gradient of the wrong length", "dBias", "Conv2dBackwardBias: dBias is db [5], expected shape [4].",
            (b, t) => b.Conv2dBackwardBias(t("dy", [2, 4, 8, 8]), t("db", [5]))),
        Bad<ArgumentException>("a fused convolution-ReLU output of the wrong size", "y", "Conv2dReluForward: y is out [2, 4, 7, 7], expected shape [2, 4, 8, 8].",
            (b, t) => b.Conv2dReluForward(t("x", [2, 3, 8, 8]), t("w", [4, 3, 3, 3]), null, new Convolution(1, 1), t("out", [2, 4, 7, 7]))),
        Bad<ArgumentException>("a fused dense-ReLU bias of the wrong length", "bias", "DenseReluForward: bias is b [3], expected shape [4].",
            (b, t) => b.DenseReluForward(t("x", [2, 5]), t("w", [4, 5]), t("b", [3]), t("out", [2, 4]))),
        Bad<ArgumentException>("a column matrix of the wrong size", "columns", "Im2Col: columns is cols [1, 9, 15], expected shape [1, 9, 16].",
            (b, t) => b.Im2Col(t("x", [1, 1, 6, 6]), 3, 3, new Convolution(1, 0), t("cols", [1, 9, 15]))),
        Bad<ArgumentOutOfRangeException>("a 0×3 kernel", "kernelHeight", "Im2Col: the kernel is 0×3, expected at least 1×1.",
            (b, t) => b.Im2Col(t("x", [1, 1, 6, 6]), 0, 3, new Convolution(1, 0), t("cols", [1, 9, 16]))),
        Bad<ArgumentException>("padding as wide as the pooling window", "pooling",
            "MaxPool2dForward: pooling is Pooling { Kernel = 2, Stride = 2, Padding = 2 }, expected kernel and stride ≥ 1 and padding between 0 and kernel − 1.",
            (b, t) => b.MaxPool2dForward(t("x", [1, 1, 4, 4]), new Pooling(2, 2, 2), t("out", [1, 1, 4, 4]))),
        Bad<ArgumentException>("a pooled output of the wrong size", "y", "MaxPool2dForward: y is out [1, 2, 3, 3], expected shape [1, 2, 2, 2].",
            (b, t) => b.MaxPool2dForward(t("x", [1, 2, 5, 5]), new Pooling(3, 2), t("out", [1, 2, 3, 3]))),
        Bad<ArgumentException>("a pooling input gradient of the wrong size", "dx", "MaxPool2dBackward: dx is dx [1, 2, 5, 4], expected shape [1, 2, 5, 5].",
            (b, t) => b.MaxPool2dBackward(t("x", [1, 2, 5, 5]), t("dy", [1, 2, 2, 2]), new Pooling(3, 2), t("dx", [1, 2, 5, 4]))),
        Bad<ArgumentException>("a fused ReLU-pooling gradient of the wrong size", "dy", "MaxPool2dReluBackward: dy is dy [1, 2, 3, 2], expected shape [1, 2, 2, 2].",
            (b, t) => b.MaxPool2dReluBackward(t("x", [1, 2, 5, 5]), t("dy", [1, 2, 3, 2]), new Pooling(3, 2), t("dx", [1, 2, 5, 5]))),
        // The drift issue 14 names: CUDA accepted [N, C] for LRN, the CPU did not. Now no backend does.
        Bad<ArgumentException>("LRN of a [N, C] tensor", "x", "LrnForward: x is x [2, 8], expected a 4-D tensor [N, C, H, W].",
            (b, t) => b.LrnForward(t("x", [2, 8]), LocalResponseNorm.Paper, t("out", [2, 8]))),
        Bad<ArgumentException>("an LRN window of 0 channels", "lrn",
            "LrnForward: lrn is LocalResponseNorm { Size = 0, Alpha = 0.0001, Beta = 0.75, K = 2 }, expected size ≥ 1, k > 0, alpha ≥ 0 and beta ≥ 0.",
            (b, t) => b.LrnForward(t("x", [1, 4, 2, 2]), new LocalResponseNorm(0, 1e-4f, 0.75f, 2f), t("out", [1, 4, 2, 2]))),
        Bad<ArgumentException>("an LRN gradient of the wrong shape", "dy", "LrnBackward: dy is dy [1, 4, 2, 1], expected shape [1, 4, 2, 2].",
            (b, t) => b.LrnBackward(t("x", [1, 4, 2, 2]), t("y", [1, 4, 2, 2]), t("dy", [1, 4, 2, 1]), LocalResponseNorm.Paper, t("dx", [1, 4, 2, 2]))),
        // CUDA compared lengths here, the CPU shapes.
        Bad<ArgumentException>("a ReLU output of the same length but another shape", "y", "ReluForward: y is out [3, 2], expected shape [2, 3].",
            (b, t) => b.ReluForward(t("x", [2, 3]), t("out", [3, 2]))),
        Bad<ArgumentOutOfRangeException>("a drop probability of 1", "p", "DropoutForward: p is 1, expected a drop probability with 0 ≤ p < 1.",
            (b, t) => b.DropoutForward(t("x", [8]), 1f, 1, 0, 0, t("out", [8]))),
        Bad<ArgumentOutOfRangeException>("a negative place in the mask", "firstElement", "DropoutForward: firstElement is -1, expected a place in the mask ≥ 0.",
            (b, t) => b.DropoutForward(t("x", [8]), 0.5f, 1, 0, -1, t("out", [8]))),
        Bad<ArgumentException>("a dropout output of another length", "dx", "DropoutBackward: dx is dx [7], expected 8 elements (it has 7).",
            (b, t) => b.DropoutBackward(t("dy", [8]), 0.5f, 1, 0, 0, t("dx", [7]))),
        Bad<ArgumentException>("dense weights for another input width", "weight", "DenseForward: weight is w [3, 5], expected [O, 4] for x x [2, 4].",
            (b, t) => b.DenseForward(t("x", [2, 4]), t("w", [3, 5]), null, t("out", [2, 3]))),
        // CUDA read any x as [N, I]; every backend now wants the flattened [N, I] the Flatten layer makes.
        Bad<ArgumentException>("a dense input that is not flattened", "x", "DenseForward: x is x [2, 1, 2, 2], expected a 2-D tensor [N, I].",
            (b, t) => b.DenseForward(t("x", [2, 1, 2, 2]), t("w", [3, 4]), null, t("out", [2, 3]))),
        Bad<ArgumentException>("a dense input gradient of another shape", "dx", "DenseBackward: dx is dx [4, 2], expected shape [2, 4].",
            (b, t) => b.DenseBackward(t("x", [2, 4]), t("w", [3, 4]), t("dy", [2, 3]), t("dx", [4, 2]), t("dw", [3, 4]), null)),
        Bad<ArgumentException>("softmax of a vector", "logits", "Softmax: logits is z [5], expected a 2-D tensor [N, K].",
            (b, t) => b.Softmax(t("z", [5]), t("p", [5]))),
        // CUDA compared the labels' length, the CPU their shape.
        Bad<ArgumentException>("labels as a column", "labels", "SoftmaxCrossEntropyForward: labels is labels [2, 1], expected shape [2].",
            (b, t) => b.SoftmaxCrossEntropyForward(t("z", [2, 3]), t("labels", [2, 1]), t("p", [2, 3]), t("loss", [1]))),
        Bad<ArgumentException>("a loss of two values", "loss", "SoftmaxCrossEntropyForward: loss is loss [2], expected shape [1].",
            (b, t) => b.SoftmaxCrossEntropyForward(t("z", [2, 3]), t("labels", [2]), t("p", [2, 3]), t("loss", [2]))),
        Bad<ArgumentException>("soft targets of another shape", "targets", "SoftTargetCrossEntropyForward: targets is q [2, 4], expected shape [2, 3].",
            (b, t) => b.SoftTargetCrossEntropyForward(t("z", [2, 3]), t("q", [2, 4]), t("p", [2, 3]), t("loss", [1]))),
        Bad<ArgumentException>("a soft-target gradient of another shape", "dLogits", "SoftTargetCrossEntropyBackward: dLogits is dz [3, 2], expected shape [2, 3].",
            (b, t) => b.SoftTargetCrossEntropyBackward(t("p", [2, 3]), t("q", [2, 3]), t("dz", [3, 2]))),
        Bad<ArgumentOutOfRangeException>("top-0", "k", "TopK: k is 0, expected 1 to the 3 classes of z [2, 3].",
            (b, t) => b.TopK(t("z", [2, 3]), 0, t("top", [2, 1]))),
        Bad<ArgumentException>("a batch-norm scale of the wrong length", "gamma", "BatchNormForwardTraining: gamma is gamma [2], expected shape [3].",
            (b, t) => b.BatchNormForwardTraining(t("x", [4, 3]), t("gamma", [2]), t("beta", [3]), 0.1f, 1e-5f, t("mean", [3]), t("var", [3]),
                t("out", [4, 3]), t("saved mean", [3]), t("saved inverse std", [3]))),
        Bad<ArgumentException>("batch statistics of one value", "x",
            "BatchNormForwardTraining: x is x [1, 3], expected at least two values per channel (one cannot estimate a variance).",
            (b, t) => b.BatchNormForwardTraining(t("x", [1, 3]), t("gamma", [3]), t("beta", [3]), 0.1f, 1e-5f, t("mean", [3]), t("var", [3]),
                t("out", [1, 3]), t("saved mean", [3]), t("saved inverse std", [3]))),
        Bad<ArgumentOutOfRangeException>("an epsilon of 0", "epsilon", "BatchNormForwardInference: epsilon is 0, expected a positive number.",
            (b, t) => b.BatchNormForwardInference(t("x", [4, 3]), t("gamma", [3]), t("beta", [3]), t("mean", [3]), t("var", [3]), 0f, t("out", [4, 3]))),
        Bad<ArgumentException>("a batch-norm input gradient of the wrong shape", "dx", "BatchNormBackward: dx is dx [3, 4], expected shape [4, 3].",
            (b, t) => b.BatchNormBackward(t("x", [4, 3]), t("dy", [4, 3]), t("gamma", [3]), t("mean", [3]), t("inverse std", [3]), t("dx", [3, 4]),
                t("dgamma", [3]), t("dbeta", [3]))),
        Bad<ArgumentException>("GEMM operands whose inner sizes differ", "b",
            "Gemm: b is b [5, 6], expected op(b) with 4 rows to match op(a) 3×4 (a is a [3, 4]), but op(b) is 5×6.",
            (b, t) => b.Gemm(t("a", [3, 4]), t("b", [5, 6]), false, false, 1, 0, t("c", [3, 6]))),
        Bad<ArgumentException>("a GEMM result of the wrong size", "c", "Gemm: c is c [3, 5], expected a 3×6 matrix (op(a)·op(b)), but it is 3×5.",
            (b, t) => b.Gemm(t("a", [3, 4]), t("b", [4, 6]), false, false, 1, 0, t("c", [3, 5]))),
        Bad<ArgumentOutOfRangeException>("Adam at step 0", "step", "AdamUpdate: step is 0, expected t ≥ 1 (steps count from 1).",
            (b, t) => b.AdamUpdate(t("g", [4]), 1e-3f, 0.9f, 0.999f, 1e-7f, 0f, 0, t("m", [4]), t("v", [4]), t("w", [4]))),
        Bad<ArgumentOutOfRangeException>("Adam with a negative decay", "weightDecay", "AdamUpdate: weightDecay is -0.0005, expected a finite λ ≥ 0.",
            (b, t) => b.AdamUpdate(t("g", [4]), 1e-3f, 0.9f, 0.999f, 1e-7f, -5e-4f, 1, t("m", [4]), t("v", [4]), t("w", [4]))),
        Bad<ArgumentOutOfRangeException>("AdamW at step 0", "step", "AdamWUpdate: step is 0, expected t ≥ 1 (steps count from 1).",
            (b, t) => b.AdamWUpdate(t("g", [4]), 1e-3f, 0.9f, 0.999f, 1e-8f, 0.05f, 0, t("m", [4]), t("v", [4]), t("w", [4]))),
        Bad<ArgumentOutOfRangeException>("AdamW with a negative decay", "weightDecay", "AdamWUpdate: weightDecay is -0.05, expected a finite λ ≥ 0.",
            (b, t) => b.AdamWUpdate(t("g", [4]), 1e-3f, 0.9f, 0.999f, 1e-8f, -0.05f, 1, t("m", [4]), t("v", [4]), t("w", [4]))),
        Bad<ArgumentException>("an AdamW second moment of another length", "v", "AdamWUpdate: v is v [3], expected 4 elements (it has 3).",
            (b, t) => b.AdamWUpdate(t("g", [4]), 1e-3f, 0.9f, 0.999f, 1e-8f, 0.05f, 1, t("m", [4]), t("v", [3]), t("w", [4]))),
        Bad<ArgumentException>("a velocity of another length", "velocity", "SgdMomentumUpdate: velocity is v [3], expected 4 elements (it has 3).",
            (b, t) => b.SgdMomentumUpdate(t("g", [4]), 0.01f, 0.9f, 5e-4f, t("v", [3]), t("w", [4]))),
        Bad<ArgumentException>("a copy into fewer values", "y", "Copy: y is y [5], expected 6 elements (it has 5).",
            (b, t) => b.Copy(t("x", [2, 3]), t("y", [5]))),
        Bad<ArgumentException>("an upload of the wrong length", "source", "Upload: the host span holds 3 floats, expected 4 for w [4].",
            (b, t) => b.Upload(new float[3], t("w", [4]))),
    ];

    [Theory, MemberData(nameof(TestBackends.Names), MemberType = typeof(TestBackends))]
    public void Every_backend_refuses_the_same_bad_calls_with_the_same_message(string backend) => TestBackends.Run(backend, b =>
    {
        var problems = new List<string>();
        foreach (var bad in Cases)
        {
            var tensors = new List<Tensor>();
            Tensor Make(string name, int[] dimensions)
            {
                var tensor = b.Allocate(new Shape(dimensions), name);
                tensors.Add(tensor);
                return tensor;
            }
            try
            {
                var error = Record.Exception(() => bad.Call(b, Make));
                string expected = $"{bad.Exception.Name}({bad.Parameter}): {bad.Message}";
                string got = error switch
                {
                    null => "no exception",
                    ArgumentException argument => $"{argument.GetType().Name}({argument.ParamName}): {OwnMessage(argument)}",
                    _ => $"{error.GetType().Name}: {error.Message}",
                };
                if (got != expected)
                {
                    problems.Add($"{bad.What}:\n    expected {expected}\n    got      {got}");
                }
            }
            finally
            {
                tensors.ForEach(t => t.Dispose());
            }
        }
        if (problems.Count > 0)
        {
            throw new XunitException($"{b.Name}: {problems.Count} of {Cases.Length} bad calls went otherwise than the contract says:\n  " + string.Join("\n  ", problems));
        }
    });

    /// <summary>The message as thrown, without what .NET appends (the parameter's name, the actual value), which the test compares apart.</summary>
    private static string OwnMessage(ArgumentException error)
    {
        string message = error.Message;
        int cut = message.IndexOf($" (Parameter '{error.ParamName}')", StringComparison.Ordinal);
        return cut >= 0 ? message[..cut] : message;
    }
}
