using AlexNet.Backends.Cpu.Gemm;
using AlexNet.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace AlexNet.Backends.Cpu;

// Fully connected layer, three GEMMs (weight is [O, I], as PyTorch stores it):
//   forward          y  = x · weightᵀ + bias       [N, O]   (DenseReluForward: then max(0, y), where y is written)
//   backward-data    dx = dy · weight              [N, I]
//   backward-weight  dWeight += dyᵀ · x            [O, I]
// For a batch of a few images (inference on one image above all) the first two are dot and
// matrix–vector products instead: each weight is used only N times, so the time is that of reading
// the weights once (151 MB for fc6). GEMM would first copy them into packed panels — a second pass
// over all of them — so a few rows go straight through the weights: the forward two weight rows
// against four input rows at a time (DotKernels, up to 16 rows; one row, a plain dot product), the
// input gradient column band by column band (up to 4 rows).
// The readable version of these ops, and the maths they must agree with: Reference/ReferenceBackend.Dense.cs.
public sealed partial class CpuBackend
{
    /// <summary>Batches up to this size take the matrix–vector path of the input gradient.</summary>
    private const int DenseVectorBatch = 4;

    /// <summary>
    /// Batches up to this size take the dot-product path of the forward. On a Zen 3 guest (AVX2) the
    /// dots beat GEMM up to batch 64 (fc6 at 16: 51 against 82 ms, at 64: 127
    /// against 187; at 128 GEMM wins, 217 against 238; Docs/performance.md); 16 leaves room for
    /// processors whose GEMM runs 512-bit vectors while these dots run 256-bit ones.
    /// </summary>
    private const int DenseDotsBatch = 16;

    public void DenseForward(Tensor x, Tensor weight, Tensor? bias, Tensor y) =>
        DenseForward(x, weight, bias, y, OpContract.DenseForward(x, weight, bias, y), relu: false);

    // Fused: the reference's DenseForward followed by its ReluForward, the max taken where y is written
    // (after each dot product, or in GEMM's last store), so y is not read back and written a second time.
    public void DenseReluForward(Tensor x, Tensor weight, Tensor? bias, Tensor y) =>
        DenseForward(x, weight, bias, y, OpContract.DenseReluForward(x, weight, bias, y), relu: true);

    private unsafe void DenseForward(Tensor x, Tensor weight, Tensor? bias, Tensor y, (int N, int Inputs, int Outputs) sizes, bool relu)
    {
        float* px = Data(x, nameof(x));
        float* pWeight = Data(weight, nameof(weight));
        float* pBias = bias is null ? null : Data(bias, nameof(bias));
        float* py = Data(y, nameof(y));
        var (n, inputs, outputs) = sizes;
        if (n == 1)
        {
            // y[o] = bias[o] + weight[o] · x: every weight row read once (the blocked kernel below would dot x four times).
            ParallelChunks(outputs, 64, (start, count) =>
            {
                var input = new ReadOnlySpan<float>(px, inputs);
                for (long o = start; o < start + count; o++)
                {
                    float value = (pBias != null ? pBias[o] : 0f) + TensorPrimitives.Dot(new ReadOnlySpan<float>(pWeight + (o * inputs), inputs), input);
                    py[o] = relu ? MathF.Max(value, 0f) : value;
                }
            });
            return;
        }
        if (n <= DenseDotsBatch)
        {
            // y[r, o] = bias[o] + weight[o] · x[r]: every weight row read once, dotted with each input
            // row, two weight rows against four input rows at a time (DotKernels).
            ParallelChunks((outputs + 1) / 2, 32, (start, count) =>
            {
                for (long pair = start; pair < start + count; pair++)
                {
                    long o0 = 2 * pair, o1 = Math.Min(o0 + 1, outputs - 1);
                    DotKernels.PairAgainstRows(o0, o1, pWeight + (o0 * inputs), pWeight + (o1 * inputs), px, px, n, inputs, inputs, pBias, relu, py, new RowMajor(outputs));
                }
            });
            return;
        }
        // Every row of y starts as the bias; the GEMM adds x · weightᵀ to it (beta = 1).
        if (pBias != null)
        {
            var biasRow = new ReadOnlySpan<float>(pBias, outputs);
            for (int row = 0; row < n; row++)
            {
                biasRow.CopyTo(new Span<float>(py + ((long)row * outputs), outputs));
            }
        }
        _gemm.Multiply(new GemmShape(n, outputs, inputs, 1f, pBias != null ? 1f : 0f, relu), new MatrixA(px, inputs, false, n), new MatrixB(pWeight, inputs, true, outputs), py, outputs, parallel: true);
    }

    /// <summary>y[r, o] of a dense layer's [N, outputs] output.</summary>
    private readonly record struct RowMajor(long Outputs) : DotKernels.IOutputIndex
    {
        public long Of(long row, long output) => (row * Outputs) + output;
    }

    public unsafe void DenseBackward(Tensor x, Tensor weight, Tensor dy, Tensor? dx, Tensor dWeight, Tensor? dBias)
    {
        float* px = Data(x, nameof(x));
        float* pWeight = Data(weight, nameof(weight));
        float* pdy = Data(dy, nameof(dy));
        float* pdx = dx is null ? null : Data(dx, nameof(dx));
        float* pdWeight = Data(dWeight, nameof(dWeight));
        float* pdBias = dBias is null ? null : Data(dBias, nameof(dBias));
        var (n, inputs, outputs) = OpContract.DenseBackward(x, weight, dy, dx, dWeight, dBias);

        if (pdx != null && n <= DenseVectorBatch)
        {
            // dx[r] = Σ_o dy[r, o]·weight[o]: each thread owns a band of columns and sweeps all weight rows over it.
            ParallelChunks(inputs, 1024, (start, count) =>
            {
                for (int r = 0; r < n; r++)
                {
                    new Span<float>(pdx + ((long)r * inputs) + start, (int)count).Clear();
                }
                for (int o = 0; o < outputs; o++)
                {
                    var band = new ReadOnlySpan<float>(pWeight + ((long)o * inputs) + start, (int)count);
                    for (int r = 0; r < n; r++)
                    {
                        var target = new Span<float>(pdx + ((long)r * inputs) + start, (int)count);
                        TensorPrimitives.MultiplyAdd(band, pdy[((long)r * outputs) + o], target, target);
                    }
                }
            });
        }
        else if (pdx != null)
        {
            _gemm.Multiply(new GemmShape(n, inputs, outputs, 1f, 0f), new MatrixA(pdy, outputs, false, n), new MatrixB(pWeight, inputs, false, inputs), pdx, inputs, parallel: true);
        }
        _gemm.Multiply(new GemmShape(outputs, inputs, n, 1f, 1f), new MatrixA(pdy, outputs, true, outputs), new MatrixB(px, inputs, false, inputs), pdWeight, inputs, parallel: true);
        if (pdBias != null)
        {
            // dBias += Σ over the batch of dy's rows.
            var sum = new Span<float>(pdBias, outputs);
            for (int row = 0; row < n; row++)
            {
                TensorPrimitives.Add(sum, new ReadOnlySpan<float>(pdy + ((long)row * outputs), outputs), sum);
            }
        }
    }
}
