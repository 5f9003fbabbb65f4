using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace AlexNet.Backends.Cpu;

/// <summary>
/// Winograd's minimal filtering F(m×m, 3×3) (Lavin &amp; Gray, 2016): an m×m block of a 3×3 convolution's
/// output from a t×t input tile (t = m + 2) with t² multiplications instead of 9·m²,
/// <code>
///   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A        g: 3×3 filter, d: t×t input tile, ⊙: elementwise
/// </code>
/// The three matrices are what this class holds; <see cref="Sandwich"/> applies one of them on both
/// sides of a stack of planes (L X Lᵀ), vectorized along the planes: the k-th value of every plane
/// belongs to the k-th tile (or filter), so one vector operation transforms 8 or 16 tiles at once.
/// Docs/layers/convolution.md#winograd derives the matrices and states their measured error.
/// </summary>
internal sealed class WinogradTile
{
    /// <summary>F(2×2, 3×3): 16 products instead of 36 per 2×2 block (2.25× fewer); points 0, ±1, ∞.</summary>
    public static readonly WinogradTile F2 = new(2,
        inputTransposed:
        [
            1, 0, -1, 0,
            0, 1, 1, 0,
            0, -1, 1, 0,
            0, 1, 0, -1,
        ],
        filter:
        [
            1, 0, 0,
            0.5f, 0.5f, 0.5f,
            0.5f, -0.5f, 0.5f,
            0, 0, 1,
        ],
        outputTransposed:
        [
            1, 1, 1, 0,
            0, 1, -1, -1,
        ]);

    /// <summary>F(4×4, 3×3): 36 products instead of 144 per 4×4 block (4× fewer); points 0, ±1, ±2, ∞.</summary>
    public static readonly WinogradTile F4 = new(4,
        inputTransposed:
        [
            4, 0, -5, 0, 1, 0,
            0, -4, -4, 1, 1, 0,
            0, 4, -4, -1, 1, 0,
            0, -2, -1, 2, 1, 0,
            0, 2, -1, -2, 1, 0,
            0, 4, 0, -5, 0, 1,
        ],
        filter:
        [
            1 / 4f, 0, 0,
            -1 / 6f, -1 / 6f, -1 / 6f,
            -1 / 6f, 1 / 6f, -1 / 6f,
            1 / 24f, 1 / 12f, 1 / 6f,
            1 / 24f, -1 / 12f, 1 / 6f,
            0, 0, 1,
        ],
        outputTransposed:
        [
            1, 1, 1, 1, 1, 0,
            0, 1, -1, 2, -2, 0,
            0, 1, 1, 4, 4, 0,
            0, 1, -1, 8, -8, 1,
        ]);

    private WinogradTile(int outputs, float[] inputTransposed, float[] filter, float[] outputTransposed)
    {
        Outputs = outputs;
        Size = outputs + 2;
        InputTransposed = inputTransposed;
        Filter = filter;
        OutputTransposed = outputTransposed;
        Output = Transpose(outputTransposed, outputs, Size);
        FilterTransposed = Transpose(filter, Size, 3);
    }

    /// <summary>m: the output block's side.</summary>
    public int Outputs { get; }

    /// <summary>t = m + 2: the input tile's side; t² products (and GEMMs) per block.</summary>
    public int Size { get; }

    /// <summary>Bᵀ, t×t row-major: d ↦ Bᵀ d B transforms an input tile.</summary>
    public float[] InputTransposed { get; }

    /// <summary>G, t×3: g ↦ G g Gᵀ transforms a filter.</summary>
    public float[] Filter { get; }

    /// <summary>Gᵀ, 3×t: the weight gradient's way back, S ↦ Gᵀ S G.</summary>
    public float[] FilterTransposed { get; }

    /// <summary>Aᵀ, m×t: M ↦ Aᵀ M A gives the output block.</summary>
    public float[] OutputTransposed { get; }

    /// <summary>A, t×m: the output gradient's way in, dY ↦ A dY Aᵀ (the weight gradient's transform of dy).</summary>
    public float[] Output { get; }

    public override string ToString() => $"F({Outputs}x{Outputs},3x3)";

    /// <summary>
    /// out = L · in · Lᵀ for every position k of the planes at once: L is p×q (row-major),
    /// in[a, b] (a, b &lt; q) is the plane at <paramref name="input"/> + (a·q + b)·<paramref name="inputStride"/>,
    /// out[a, b] (a, b &lt; p) goes to <paramref name="output"/> + (a·p + b)·<paramref name="outputStride"/>;
    /// each plane holds <paramref name="length"/> floats. <paramref name="temp"/> holds the p·q planes of L · in.
    /// </summary>
    public static unsafe void Sandwich(float[] l, int p, int q, float* input, long inputStride, float* output, long outputStride, float* temp, int length)
    {
        // temp[a, s] = Σ_r L[a, r] · in[r, s]: along the columns of each tile.
        for (int a = 0; a < p; a++)
        {
            for (int s = 0; s < q; s++)
            {
                Combine(l.AsSpan(a * q, q), input + (s * inputStride), q * inputStride, temp + ((long)((a * q) + s) * length), length);
            }
        }
        // out[a, b] = Σ_s L[b, s] · temp[a, s]: along the rows.
        for (int a = 0; a < p; a++)
        {
            for (int b = 0; b < p; b++)
            {
                Combine(l.AsSpan(b * q, q), temp + ((long)a * q * length), length, output + (((a * p) + b) * outputStride), length);
            }
        }
    }

    /// <summary>destination = Σ_i coefficients[i] · plane i (at source + i·stride), skipping the zero coefficients.</summary>
    private static unsafe void Combine(ReadOnlySpan<float> coefficients, float* source, long stride, float* destination, int length)
    {
        var target = new Span<float>(destination, length);
        bool first = true;
        for (int i = 0; i < coefficients.Length; i++)
        {
            float c = coefficients[i];
            if (c == 0)
            {
                continue;
            }
            var plane = new ReadOnlySpan<float>(source + (i * stride), length);
            if (first)
            {
                TensorPrimitives.Multiply(plane, c, target);
                first = false;
            }
            else
            {
                // c·plane + target in one rounding (an exact add when c = ±1).
                TensorPrimitives.FusedMultiplyAdd(plane, c, target, target);
            }
        }
        if (first)
        {
            target.Clear();
        }
    }

    private static float[] Transpose(float[] matrix, int rows, int columns)
    {
        var result = new float[matrix.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                result[(c * rows) + r] = matrix[(r * columns) + c];
            }
        }
        return result;
    }
}
