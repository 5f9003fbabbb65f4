using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlexNet.Backends.Cpu;

/// <summary>
/// Winograd's minimal filtering F(m×m, 3×3) (Lavin &amp; Gray, 2016): an m×m block of a 3×3 convolution's
/// output from a t×t input tile (t = m + 2) with t² multiplications instead of 9·m²,
/// <code>
///   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A        g: 3×3 filter, d: t×t input tile, ⊙: elementwise
/// </code>
/// The three matrices are what this class holds; <see cref="Sandwich"/> applies one of them on both
/// sides of a stack of planes (L X Lᵀ), vectorized along the planes: the k-th value of every plane
/// belongs to the k-th tile (or filter), so one vector operation transforms 8 tiles at once. The
/// transforms run for every tile of every call go through the same matrices spelled out as adds
/// (WinogradTransforms.cs); <see cref="Sandwich"/> does the filters' (once per call).
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

    /// <summary>Bᵀ d B for the t×t planes of input tiles (<see cref="WinogradTransforms.Sandwich{T}"/>).</summary>
    public unsafe void TransformInputs(float* tiles, long tileStride, float* output, long outputStride, int length)
    {
        if (Outputs == 2)
        {
            WinogradTransforms.Sandwich<InputTransform2>(tiles, tileStride, output, outputStride, length);
        }
        else
        {
            WinogradTransforms.Sandwich<InputTransform4>(tiles, tileStride, output, outputStride, length);
        }
    }

    /// <summary>Aᵀ M A for the t×t planes of products: the m×m output blocks.</summary>
    public unsafe void TransformOutputs(float* products, long productStride, float* output, long outputStride, int length)
    {
        if (Outputs == 2)
        {
            WinogradTransforms.Sandwich<OutputTransform2>(products, productStride, output, outputStride, length);
        }
        else
        {
            WinogradTransforms.Sandwich<OutputTransform4>(products, productStride, output, outputStride, length);
        }
    }

    /// <summary>A dY Aᵀ for the m×m planes of output-gradient blocks: their t×t transforms.</summary>
    public unsafe void TransformGradients(float* blocks, long blockStride, float* output, long outputStride, int length)
    {
        if (Outputs == 2)
        {
            WinogradTransforms.Sandwich<GradientTransform2>(blocks, blockStride, output, outputStride, length);
        }
        else
        {
            WinogradTransforms.Sandwich<GradientTransform4>(blocks, blockStride, output, outputStride, length);
        }
    }

    /// <summary>
    /// out = L · in · Lᵀ for every position k of the planes at once: L is p×q (row-major),
    /// in[a, b] (a, b &lt; q) is the plane at <paramref name="input"/> + (a·q + b)·<paramref name="inputStride"/>,
    /// out[a, b] (a, b &lt; p) goes to <paramref name="output"/> + (a·p + b)·<paramref name="outputStride"/>;
    /// each plane holds <paramref name="length"/> floats. Eight positions (tiles, or filters) go through
    /// the whole two-sided product at once in vector registers; the last few one at a time.
    /// </summary>
    public static unsafe void Sandwich(float[] l, int p, int q, float* input, long inputStride, float* output, long outputStride, int length)
    {
        const int lanes = 8;
        var x = stackalloc Vector256<float>[q * q];
        var half = stackalloc Vector256<float>[p * q];
        int k = 0;
        fixed (float* lp = l)
        {
            for (; k + lanes <= length; k += lanes)
            {
                for (int i = 0; i < q * q; i++)
                {
                    x[i] = Vector256.Load(input + (i * inputStride) + k);
                }
                // half[a, s] = Σ_r L[a, r] · in[r, s], then out[a, b] = Σ_s L[b, s] · half[a, s].
                for (int a = 0; a < p; a++)
                {
                    for (int s = 0; s < q; s++)
                    {
                        half[(a * q) + s] = Combine(lp + (a * q), x + s, q, q);
                    }
                }
                for (int a = 0; a < p; a++)
                {
                    for (int b = 0; b < p; b++)
                    {
                        Combine(lp + (b * q), half + (a * q), q, 1).Store(output + (((a * p) + b) * outputStride) + k);
                    }
                }
            }
            // The scalar tail: the same sums, one position at a time.
            var xs = stackalloc float[q * q];
            var halfs = stackalloc float[p * q];
            for (; k < length; k++)
            {
                for (int i = 0; i < q * q; i++)
                {
                    xs[i] = input[(i * inputStride) + k];
                }
                for (int a = 0; a < p; a++)
                {
                    for (int s = 0; s < q; s++)
                    {
                        float sum = 0;
                        for (int r = 0; r < q; r++)
                        {
                            sum = MathF.FusedMultiplyAdd(lp[(a * q) + r], xs[(r * q) + s], sum);
                        }
                        halfs[(a * q) + s] = sum;
                    }
                }
                for (int a = 0; a < p; a++)
                {
                    for (int b = 0; b < p; b++)
                    {
                        float sum = 0;
                        for (int s = 0; s < q; s++)
                        {
                            sum = MathF.FusedMultiplyAdd(lp[(b * q) + s], halfs[(a * q) + s], sum);
                        }
                        output[(((a * p) + b) * outputStride) + k] = sum;
                    }
                }
            }
        }
    }

    /// <summary>Σ_i coefficients[i] · values[i·stride] over <paramref name="count"/> terms, skipping the zero coefficients.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Combine(float* coefficients, Vector256<float>* values, int count, int stride)
    {
        var sum = Vector256<float>.Zero;
        for (int i = 0; i < count; i++)
        {
            float c = coefficients[i];
            if (c != 0)
            {
                // c·value + sum in one rounding (an exact add when c = ±1).
                sum = Vector256.FusedMultiplyAdd(values[i * stride], Vector256.Create(c), sum);
            }
        }
        return sum;
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
