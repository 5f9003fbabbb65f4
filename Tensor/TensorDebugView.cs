using System.Diagnostics;

namespace AlexNet.Tensors;

/// <summary>
/// What the debugger shows when a tensor is expanded: its shape, device, statistics and the first
/// values, laid out by the last dimension so a row of an image or a vector reads as one line.
/// </summary>
internal sealed class TensorDebugView
{
    /// <summary>How many values the preview shows.</summary>
    public const int PreviewLength = 32;

    private readonly Tensor _tensor;

    public TensorDebugView(Tensor tensor) => _tensor = tensor;

    public string Name => _tensor.Name ?? "(unnamed)";

    public string Shape => _tensor.Shape.ToString();

    public string Device => _tensor.Device.Name;

    public bool IsView => _tensor.IsView;

    public TensorStatistics Statistics => _tensor.IsDisposed ? default : TensorStatistics.Of(_tensor.ToArray());

    /// <summary>The first values, one row of the innermost dimension per line.</summary>
    [DebuggerBrowsable(DebuggerBrowsableState.RootHidden)]
    public string[] Preview => _tensor.IsDisposed ? ["(disposed)"] : TensorPreview.Rows(_tensor.ToArray(), _tensor.Shape, PreviewLength);
}
