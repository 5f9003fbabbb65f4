using System.Diagnostics.CodeAnalysis;

namespace AlexNet.Tensors;

/// <summary>
/// The dimensions of a tensor, outermost first: up to four of them.
/// Images are NCHW (batch, channels, height, width); dense activations are [N, features];
/// convolution weights are OIHW (output channels, input channels per group, kernel height, kernel width).
/// </summary>
public readonly struct Shape : IEquatable<Shape>
{
    /// <summary>The most dimensions a tensor may have.</summary>
    public const int MaxRank = 4;

    private readonly int _d0, _d1, _d2, _d3;

    /// <summary>Creates a shape from its dimensions, outermost first; each must be positive.</summary>
    public Shape(params ReadOnlySpan<int> dimensions)
    {
        if (dimensions.Length is < 1 or > MaxRank)
        {
            throw new ArgumentException($"A tensor has 1 to {MaxRank} dimensions, but {dimensions.Length} were given.", nameof(dimensions));
        }
        long length = 1;
        for (int i = 0; i < dimensions.Length; i++)
        {
            if (dimensions[i] <= 0)
            {
                throw new ArgumentException($"Dimension {i} is {dimensions[i]}; every dimension must be at least 1.", nameof(dimensions));
            }
            length *= dimensions[i];
            if (length > Array.MaxLength)
            {
                throw new ArgumentException($"A tensor of shape [{string.Join(", ", dimensions.ToArray())}] would hold more than {Array.MaxLength} elements.", nameof(dimensions));
            }
        }
        Rank = dimensions.Length;
        _d0 = dimensions[0];
        _d1 = Rank > 1 ? dimensions[1] : 1;
        _d2 = Rank > 2 ? dimensions[2] : 1;
        _d3 = Rank > 3 ? dimensions[3] : 1;
        Length = (int)length;
    }

    /// <summary>The number of dimensions, 1 to 4.</summary>
    public int Rank { get; }

    /// <summary>The number of elements: the product of the dimensions.</summary>
    public int Length { get; }

    /// <summary>Dimension <paramref name="axis"/>, counted from the outermost (0).</summary>
    public int this[int axis] => (uint)axis < (uint)Rank
        ? axis switch { 0 => _d0, 1 => _d1, 2 => _d2, _ => _d3 }
        : throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} does not exist in the {Rank}-D shape {this}.");

    /// <summary>Batch size: the outermost dimension.</summary>
    public int N => _d0;

    /// <summary>Channels of an NCHW shape, or features of an [N, F] shape.</summary>
    public int C => this[1];

    /// <summary>Height of an NCHW shape.</summary>
    public int H => this[2];

    /// <summary>Width of an NCHW shape.</summary>
    public int W => this[3];

    /// <summary>Elements per item of the batch: everything but the outermost dimension.</summary>
    public int ItemLength => Length / _d0;

    /// <summary>The dimensions as an array, outermost first.</summary>
    public int[] ToArray()
    {
        var dims = new int[Rank];
        for (int i = 0; i < Rank; i++)
        {
            dims[i] = this[i];
        }
        return dims;
    }

    public bool Equals(Shape other) =>
        Rank == other.Rank && _d0 == other._d0 && _d1 == other._d1 && _d2 == other._d2 && _d3 == other._d3;

    public override bool Equals([NotNullWhen(true)] object? obj) => obj is Shape other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Rank, _d0, _d1, _d2, _d3);

    public static bool operator ==(Shape left, Shape right) => left.Equals(right);

    public static bool operator !=(Shape left, Shape right) => !left.Equals(right);

    /// <summary>Written as <c>[2, 3, 227, 227]</c>.</summary>
    public override string ToString() => "[" + string.Join(", ", ToArray()) + "]";
}
