using AlexNet.Tensors;

namespace AlexNet.Backends;

/// <summary>
/// What every op accepts, written once: each backend (reference, cpu, cuda, cuda-emulated) calls these
/// checks before touching memory, so the same bad call fails the same way everywhere. The rules per
/// op family are in the other <c>OpContract.*.cs</c> files; the geometry records they return are in
/// <c>Geometries.cs</c>, the op parameters (<see cref="Convolution"/>, <see cref="Pooling"/>,
/// <see cref="LocalResponseNorm"/>) beside them.
/// <para>
/// One message format: <c>"{op}: {parameter} is {what it is}, expected {what it should be}."</c>, where a
/// tensor is written as its name and shape (<c>y [2, 4, 7, 7]</c>, no device, so the message is the same
/// on every backend). Wrong shapes throw <see cref="ArgumentException"/>, scalars out of range
/// <see cref="ArgumentOutOfRangeException"/>; both name the parameter.
/// </para>
/// </summary>
public static partial class OpContract
{
    /// <summary>A tensor as messages write it: its name (or "tensor") and its shape.</summary>
    public static string Named(Tensor tensor) => $"{tensor.Name ?? "tensor"} {tensor.Shape}";

    /// <summary>
    /// Throws unless <paramref name="tensor"/> is not null, belongs to <paramref name="device"/> and is
    /// not disposed: the check every backend makes before reading a tensor's memory.
    /// </summary>
    public static void OnDevice(string op, string parameter, Tensor tensor, IDevice device)
    {
        if (tensor is null)
        {
            throw new ArgumentNullException(parameter, $"{op}: {parameter} is null.");
        }
        if (!ReferenceEquals(tensor.Device, device))
        {
            string where = tensor.Device.Name == device.Name ? $"another {device.Name} backend instance" : tensor.Device.Name;
            throw new ArgumentException(
                $"{op}: {parameter} is {tensor.Describe()}, which belongs to {where}, not to this {device.Name} backend; " +
                "a tensor is used only by the backend that created it (move values with Download and Upload).", parameter);
        }
        if (tensor.IsDisposed)
        {
            throw new ObjectDisposedException(parameter, $"{op}: {parameter} ({Named(tensor)}) has been disposed.");
        }
    }

    /// <summary>Upload and Download: the host span holds exactly the tensor's values.</summary>
    public static void TransferLength(string op, int hostLength, Tensor tensor)
    {
        if (hostLength != tensor.Length)
        {
            throw new ArgumentException($"{op}: the host span holds {hostLength} floats, expected {tensor.Length} for {Named(tensor)}.", op == "Upload" ? "source" : "destination");
        }
    }

    // ----- Elementwise, ReLU, dropout, optimizers ---------------------------------------------

    /// <summary>Copy and Axpy: y holds as many values as x (shapes may differ).</summary>
    public static void SameLength(string op, Tensor x, Tensor y) => Length(op, nameof(y), y, x.Length);

    /// <summary>ReLU's forward: y has x's shape; y may be x.</summary>
    public static void ReluForward(Tensor x, Tensor y) => ShapeIs(nameof(ReluForward), nameof(y), y, x.Shape);

    /// <summary>ReLU's backward: dy and dx have y's shape; dx may be dy.</summary>
    public static void ReluBackward(Tensor y, Tensor dy, Tensor dx)
    {
        ShapeIs(nameof(ReluBackward), nameof(dy), dy, y.Shape);
        ShapeIs(nameof(ReluBackward), nameof(dx), dx, y.Shape);
    }

    /// <summary>
    /// Dropout, either way: 0 ≤ p &lt; 1, the tensor's first element a place in the mask (≥ 0), and the
    /// output as long as the input (it may be the input).
    /// </summary>
    public static void Dropout(string op, Tensor input, float p, long firstElement, Tensor output, string outputName)
    {
        if (firstElement < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(firstElement), firstElement, $"{op}: firstElement is {firstElement}, expected a place in the mask ≥ 0.");
        }
        if (!(p >= 0f && p < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, $"{op}: p is {p}, expected a drop probability with 0 ≤ p < 1.");
        }
        Length(op, outputName, output, input.Length);
    }

    /// <summary>SGD with momentum: velocity and gradient as long as the parameter.</summary>
    public static void SgdMomentumUpdate(Tensor gradient, Tensor velocity, Tensor parameter)
    {
        Length(nameof(SgdMomentumUpdate), nameof(velocity), velocity, parameter.Length);
        Length(nameof(SgdMomentumUpdate), nameof(gradient), gradient, parameter.Length);
    }

    /// <summary>Adam: t ≥ 1, gradient, m and v as long as the parameter, and a decay λ ≥ 0.</summary>
    public static void AdamUpdate(Tensor gradient, float weightDecay, int step, Tensor m, Tensor v, Tensor parameter) =>
        AdamFamily(nameof(AdamUpdate), gradient, weightDecay, step, m, v, parameter);

    /// <summary>AdamW: Adam's rules, and a decay λ ≥ 0.</summary>
    public static void AdamWUpdate(Tensor gradient, float weightDecay, int step, Tensor m, Tensor v, Tensor parameter) =>
        AdamFamily(nameof(AdamWUpdate), gradient, weightDecay, step, m, v, parameter);

    /// <summary>The rules Adam and AdamW share, each message naming <paramref name="op"/>.</summary>
    private static void AdamFamily(string op, Tensor gradient, float weightDecay, int step, Tensor m, Tensor v, Tensor parameter)
    {
        Length(op, nameof(gradient), gradient, parameter.Length);
        Length(op, nameof(m), m, parameter.Length);
        Length(op, nameof(v), v, parameter.Length);
        if (step < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"{op}: step is {step}, expected t ≥ 1 (steps count from 1).");
        }
        if (!(weightDecay >= 0) || !float.IsFinite(weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay,
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{op}: weightDecay is {weightDecay}, expected a finite λ ≥ 0."));
        }
    }

    // ----- The checks the op rules are made of ---------------------------------------------------

    private static ArgumentException Wrong(string op, string parameter, Tensor tensor, string expected) =>
        new($"{op}: {parameter} is {Named(tensor)}, expected {expected}.", parameter);

    private static void ShapeIs(string op, string parameter, Tensor tensor, Shape expected)
    {
        if (tensor.Shape != expected)
        {
            throw Wrong(op, parameter, tensor, $"shape {expected}");
        }
    }

    private static void Length(string op, string parameter, Tensor tensor, int expected)
    {
        if (tensor.Length != expected)
        {
            throw Wrong(op, parameter, tensor, $"{expected} elements (it has {tensor.Length})");
        }
    }

    private static void Rank(string op, string parameter, Tensor tensor, int rank, string layout)
    {
        if (tensor.Shape.Rank != rank)
        {
            throw Wrong(op, parameter, tensor, $"a {rank}-D tensor {layout}");
        }
    }

    /// <summary>Throws when an output shares memory with an input (views of one buffer included).</summary>
    private static void Distinct(string op, string outputName, Tensor output, string inputName, Tensor input)
    {
        if (ReferenceEquals(output.Buffer, input.Buffer))
        {
            throw new ArgumentException($"{op}: {outputName} ({Named(output)}) shares memory with {inputName} ({Named(input)}), expected a separate output.", outputName);
        }
    }
}
