namespace AlexNet.Backends;

/// <summary>
/// How a convolution slides its kernel: the same stride and zero padding in both directions, and
/// the number of groups. With <c>Groups = 2</c> the input channels and the filters are split into
/// two halves that never see each other — how the 2012 paper spread AlexNet over two GPUs.
/// </summary>
public readonly record struct Convolution(int Stride = 1, int Padding = 0, int Groups = 1)
{
    /// <summary>
    /// Stride 1, no padding, one group. Without this constructor <c>new Convolution()</c> would be the
    /// all-zero struct (stride 0), not the primary constructor's defaults.
    /// </summary>
    public Convolution()
        : this(1, 0, 1)
    {
    }

    /// <summary>
    /// Output size along one axis: (W − F + 2P) / S + 1, rounded down. AlexNet's conv1:
    /// (227 − 11 + 0) / 4 + 1 = 55.
    /// </summary>
    public int OutputSize(int inputSize, int kernelSize)
    {
        int span = inputSize + (2 * Padding) - kernelSize;
        if (span < 0)
        {
            throw new ArgumentException($"A {kernelSize}-wide kernel does not fit an input of {inputSize} with padding {Padding}.");
        }
        return (span / Stride) + 1;
    }

    /// <summary>Stride ≥ 1, padding ≥ 0 and groups ≥ 1: the rule <see cref="OpContract"/> and the layers check.</summary>
    public bool IsValid() => Stride >= 1 && Padding >= 0 && Groups >= 1;

    /// <summary>Throws unless <see cref="IsValid"/> holds.</summary>
    public void Validate()
    {
        if (!IsValid())
        {
            throw new ArgumentException($"Invalid convolution {this}: stride must be ≥ 1, padding ≥ 0 and groups ≥ 1.");
        }
    }
}
