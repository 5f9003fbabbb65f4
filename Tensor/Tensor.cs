using System.Diagnostics;

namespace AlexNet.Tensors;

/// <summary>
/// A float32 tensor of up to four dimensions (NCHW for images, [N, features] for dense layers),
/// stored contiguously in row-major order on exactly one device. Create tensors with
/// <see cref="IDevice.Allocate"/>; move values in and out with <see cref="IDevice.Upload"/> and
/// <see cref="IDevice.Download"/>. In the debugger a tensor shows its shape, device, statistics and
/// its first values.
/// </summary>
[DebuggerDisplay("{DebuggerDisplay,nq}")]
[DebuggerTypeProxy(typeof(TensorDebugView))]
public sealed class Tensor : IDisposable
{
    private readonly bool _ownsBuffer;

    /// <summary>
    /// Wraps a buffer a device has just allocated; backends call this from <see cref="IDevice.Allocate"/>.
    /// The tensor owns the buffer and frees it on <see cref="Dispose"/>.
    /// </summary>
    public Tensor(Shape shape, TensorBuffer buffer, string? name = null)
        : this(shape, buffer, name, ownsBuffer: true)
    {
    }

    private Tensor(Shape shape, TensorBuffer buffer, string? name, bool ownsBuffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (shape.Rank == 0)
        {
            throw new ArgumentException("A tensor needs a shape with at least one dimension.", nameof(shape));
        }
        if (buffer.Length < shape.Length)
        {
            throw new ArgumentException($"A buffer of {buffer.Length} floats cannot hold a tensor of shape {shape} ({shape.Length} floats).", nameof(buffer));
        }
        Shape = shape;
        Buffer = buffer;
        Name = name;
        _ownsBuffer = ownsBuffer;
    }

    /// <summary>The dimensions, outermost first.</summary>
    public Shape Shape { get; }

    /// <summary>The number of elements.</summary>
    public int Length => Shape.Length;

    /// <summary>The memory holding the values; only the owning device reads it.</summary>
    public TensorBuffer Buffer { get; }

    /// <summary>The device the tensor lives on.</summary>
    public IDevice Device => Buffer.Device;

    /// <summary>A name for the debugger and error messages, e.g. <c>conv1.weight</c>; may be null.</summary>
    public string? Name { get; set; }

    /// <summary>True when this tensor is a reshaped view of another tensor's buffer.</summary>
    public bool IsView => !_ownsBuffer;

    /// <summary>True once the values have been freed (for a view: once its buffer has).</summary>
    public bool IsDisposed => Buffer.IsDisposed;

    /// <summary>
    /// The same values seen with another shape of equal length, without copying — how Flatten turns
    /// [N, C, H, W] into [N, C·H·W]. The view shares the buffer and does not free it.
    /// </summary>
    public Tensor Reshape(Shape shape, string? name = null)
    {
        if (shape.Length != Length)
        {
            throw new ArgumentException($"Cannot view tensor {Describe()} of {Length} elements as shape {shape} of {shape.Length} elements.", nameof(shape));
        }
        return new Tensor(shape, Buffer, name ?? Name, ownsBuffer: false);
    }

    /// <summary>Downloads all values into a new host array (row-major).</summary>
    public float[] ToArray()
    {
        var values = new float[Length];
        Device.Download(this, values);
        return values;
    }

    /// <summary>Frees the values if this tensor owns them; a view leaves its buffer alone.</summary>
    public void Dispose()
    {
        if (_ownsBuffer)
        {
            Buffer.Dispose();
        }
    }

    /// <summary>The name (or "tensor"), shape and device, for error messages: <c>conv1.weight [96, 3, 11, 11] on cpu</c>.</summary>
    public string Describe() => $"{Name ?? "tensor"} {Shape} on {Device.Name}";

    public override string ToString() => Describe();

    private string DebuggerDisplay
    {
        get
        {
            if (IsDisposed)
            {
                return $"{Describe()} (disposed)";
            }
            var stats = TensorStatistics.Of(ToArray());
            return $"{Describe()}  {stats}";
        }
    }
}
