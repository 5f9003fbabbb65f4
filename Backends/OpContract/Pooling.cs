namespace AlexNet.Backends;

/// <summary>
/// A square pooling window: <c>Kernel</c>×<c>Kernel</c>, moved by <c>Stride</c>, over an input padded
/// with <c>Padding</c> cells that never win the max. Kernel 3 with stride 2 is the paper's
/// overlapping pooling; kernel 2 with stride 2 the usual non-overlapping one.
/// </summary>
public readonly record struct Pooling(int Kernel, int Stride, int Padding = 0)
{
    /// <summary>Output size along one axis: (W − F + 2P) / S + 1, rounded down. 55 → 27 for 3/2.</summary>
    public int OutputSize(int inputSize)
    {
        int span = inputSize + (2 * Padding) - Kernel;
        if (span < 0)
        {
            throw new ArgumentException($"A {Kernel}-wide pooling window does not fit an input of {inputSize} with padding {Padding}.");
        }
        return (span / Stride) + 1;
    }

    /// <summary>Kernel ≥ 1, stride ≥ 1 and 0 ≤ padding &lt; kernel (a window must see real input): the rule <see cref="OpContract"/> and the layers check.</summary>
    public bool IsValid() => Kernel >= 1 && Stride >= 1 && Padding >= 0 && Padding < Kernel;

    /// <summary>Throws unless <see cref="IsValid"/> holds.</summary>
    public void Validate()
    {
        if (!IsValid())
        {
            throw new ArgumentException($"Invalid pooling {this}: kernel and stride must be ≥ 1 and padding between 0 and kernel − 1.");
        }
    }
}
