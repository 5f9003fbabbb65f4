using AlexNet.Backends.Reference;
using AlexNet.Backends;

namespace AlexNet.Tests.Reference;

/// <summary>
/// Proves the reference forwards (and the ops without a gradient) on small cases worked out by
/// hand, so that a mistake shared by a forward and its backward — which a gradient check cannot
/// see — is caught too.
/// </summary>
public sealed class ReferenceKnownValueTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void Gemm_multiplies_a_2x3_by_a_3x2_matrix_in_every_transpose_combination()
    {
        double[] a = [1, 2, 3, 4, 5, 6];          // [[1, 2, 3], [4, 5, 6]]
        double[] b = [7, 8, 9, 10, 11, 12];       // [[7, 8], [9, 10], [11, 12]]
        double[] aT = [1, 4, 2, 5, 3, 6];         // a stored transposed, [3, 2]
        double[] bT = [7, 9, 11, 8, 10, 12];      // b stored transposed, [2, 3]
        double[] product = [58, 64, 139, 154];
        Assert.Equal(product, ReferenceBackend.Gemm(a, b, new double[4], 2, 2, 3, false, false, 1, 0));
        Assert.Equal(product, ReferenceBackend.Gemm(aT, b, new double[4], 2, 2, 3, true, false, 1, 0));
        Assert.Equal(product, ReferenceBackend.Gemm(a, bT, new double[4], 2, 2, 3, false, true, 1, 0));
        Assert.Equal(product, ReferenceBackend.Gemm(aT, bT, new double[4], 2, 2, 3, true, true, 1, 0));
        // alpha·AB + beta·C, and beta = 0 ignores NaN in C.
        Assert.Equal([2 * 58 + 3, 2 * 64 + 3, 2 * 139 + 3, 2 * 154 + 3], ReferenceBackend.Gemm(a, b, [1, 1, 1, 1], 2, 2, 3, false, false, 2, 3));
        Assert.Equal(product, ReferenceBackend.Gemm(a, b, [double.NaN, double.NaN, double.NaN, double.NaN], 2, 2, 3, false, false, 1, 0));
    }

    [Fact]
    public void Im2Col_unfolds_each_2x2_patch_of_a_3x3_image()
    {
        var s = new ConvolutionShape(1, 1, 3, 3, 1, 2, 2, 1, 0, 1);
        double[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        // Rows are kernel offsets (0,0), (0,1), (1,0), (1,1); columns the four output pixels.
        Assert.Equal([1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9], ReferenceBackend.Im2Col(x, s));
        // col2im of all ones counts how many patches cover each pixel.
        Assert.Equal([1, 2, 1, 2, 4, 2, 1, 2, 1], ReferenceBackend.Col2Im(Enumerable.Repeat(1.0, 16).ToArray(), s));
    }

    [Fact]
    public void Conv2dForward_computes_hand_worked_examples()
    {
        double[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        // Weights [1, 0; 0, −1] and bias 10: y = x[i, j] − x[i+1, j+1] + 10 = −4 + 10 for every 2×2 window.
        var plain = new ConvolutionShape(1, 1, 3, 3, 1, 2, 2, 1, 0, 1);
        Assert.Equal([6, 6, 6, 6], ReferenceBackend.Conv2dForward(x, [1, 0, 0, -1], [10], plain));
        // Padding 1, stride 2, a 3×3 box filter: output pixel (r, c) sums the window centred on (2r, 2c).
        var padded = new ConvolutionShape(1, 1, 3, 3, 1, 3, 3, 2, 1, 1);
        Assert.Equal([1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 4 + 5 + 7 + 8, 5 + 6 + 8 + 9],
            ReferenceBackend.Conv2dForward(x, Enumerable.Repeat(1.0, 9).ToArray(), null, padded));
    }

    [Fact]
    public void Conv2dForward_with_two_groups_is_two_separate_convolutions()
    {
        var random = new Random(7);
        var grouped = new ConvolutionShape(2, 4, 5, 6, 6, 3, 2, 1, 1, 2);
        var half = grouped with { C = 2, O = 3, Groups = 1 };
        double[] x = GradientCheck.Uniform(random, grouped.XLength), weight = GradientCheck.Uniform(random, grouped.WeightLength);
        double[] y = ReferenceBackend.Conv2dForward(x, weight, null, grouped);
        for (int g = 0; g < 2; g++)
        {
            // Channels 2g, 2g + 1 of every image, and filters 3g … 3g + 2.
            double[] xg = Enumerable.Range(0, 2).SelectMany(n => x.Skip(((n * 4) + (2 * g)) * 30).Take(2 * 30)).ToArray();
            double[] wg = weight.Skip(g * 3 * 2 * 6).Take(3 * 2 * 6).ToArray();
            double[] yg = ReferenceBackend.Conv2dForward(xg, wg, null, half);
            int planes = half.OH * half.OW * 3;
            for (int n = 0; n < 2; n++)
            {
                Assert.Equal(yg.Skip(n * planes).Take(planes), y.Skip(((n * 6) + (3 * g)) * half.OH * half.OW).Take(planes));
            }
        }
    }

    [Fact]
    public void MaxPool_takes_window_maxima_and_gives_ties_to_the_first_in_row_major_order()
    {
        var s = new PoolingShape(1, 1, 4, 4, 2, 2, 0);
        double[] x = Enumerable.Range(1, 16).Select(v => (double)v).ToArray();
        Assert.Equal([6, 8, 14, 16], ReferenceBackend.MaxPool2dForward(x, s));
        Assert.Equal([0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4], ReferenceBackend.MaxPool2dBackward(x, [1, 2, 3, 4], s));

        // Overlapping 3/2 windows over a constant image: each window's top-left cell wins, and the
        // shared cell (2, 2) of the windows to its right and below collects their gradients.
        var overlapping = new PoolingShape(1, 1, 5, 5, 3, 2, 0);
        double[] dx = ReferenceBackend.MaxPool2dBackward(new double[25], [1, 10, 100, 1000], overlapping);
        Assert.Equal(1, dx[0]);
        Assert.Equal(10, dx[2]);
        Assert.Equal(100, dx[10]);
        Assert.Equal(1000, dx[12]);
        Assert.Equal(1111, dx.Sum());

        // Padding cells never win, even against negative values.
        var padded = new PoolingShape(1, 1, 2, 2, 2, 2, 1);
        Assert.Equal([-1, -2, -3, -4], ReferenceBackend.MaxPool2dForward<double>([-1, -2, -3, -4], padded));
    }

    [Fact]
    public void Lrn_follows_the_papers_formula_with_odd_and_even_window_sizes()
    {
        double[] x = [1, 2, 3];  // three channels of one pixel
        // Size 3: windows {0,1}, {0,1,2}, {1,2}; k = 1, α = 1, β = 1: s = 1 + Σx² = 6, 15, 14.
        AssertClose([1 / 6.0, 2 / 15.0, 3 / 14.0], ReferenceBackend.LrnForward(x, new LrnShape(1, 3, 1, 1, 3, 1, 1, 1)));
        // Size 2: window c − 1 … c: {0}, {0,1}, {1,2}: s = 2, 6, 14.
        AssertClose([1 / 2.0, 2 / 6.0, 3 / 14.0], ReferenceBackend.LrnForward(x, new LrnShape(1, 3, 1, 1, 2, 1, 1, 1)));
        // The paper's constants: y = x / (2 + 1e-4·Σx²)^0.75.
        double[] paper = ReferenceBackend.LrnForward(x, new LrnShape(1, 3, 1, 1, 5, 1e-4, 0.75, 2));
        Assert.Equal(2 / Math.Pow(2 + (1e-4 * 14), 0.75), paper[1], Tolerance);
    }

    [Fact]
    public void Softmax_and_cross_entropy_of_known_logits()
    {
        double[] logits = [0, Math.Log(2), Math.Log(3), 100, 100, 100];
        double[] p = ReferenceBackend.Softmax(logits, 2, 3);
        AssertClose([1 / 6.0, 2 / 6.0, 3 / 6.0, 1 / 3.0, 1 / 3.0, 1 / 3.0], p);
        // −(log(1/2) + log(1/3)) / 2
        Assert.Equal((Math.Log(2) + Math.Log(3)) / 2, ReferenceBackend.CrossEntropy(logits, [2, 0], 2, 3), Tolerance);
        AssertClose([1 / 12.0, 2 / 12.0, -3 / 12.0, -2 / 6.0, 1 / 6.0, 1 / 6.0], ReferenceBackend.SoftmaxCrossEntropyBackward(p, [2, 0], 2, 3));
    }

    [Fact]
    public void TopK_orders_by_score_then_by_index()
    {
        Assert.Equal([0, 2, 3], ReferenceBackend.TopK<double>([3, 1, 3, 2], 1, 4, 3));
        Assert.Equal([1, 3, 0], ReferenceBackend.TopK<double>([1, 5, 0, 4], 1, 4, 3));
    }

    [Fact]
    public void BatchNorm_of_known_values()
    {
        // One channel, values 1 and 3: μ = 2, biased σ² = 1, unbiased 2.
        var result = ReferenceBackend.BatchNormForwardTraining([1, 3], [2], [1], 0.1, 0, [0], [1], 2, 1, 1);
        AssertClose([-1, 3], result.Y);
        AssertClose([2], result.Mean);
        AssertClose([1], result.InverseStd);
        AssertClose([0.2], result.RunningMean);
        AssertClose([(0.9 * 1) + (0.1 * 2)], result.RunningVariance);
        // Inference with mean 2, variance 4: (x − 2)/2·gamma + beta.
        AssertClose([1 + (2 * -0.5), 1 + (2 * 0.5)], ReferenceBackend.BatchNormForwardInference<double>([1, 3], [2], [1], [2], [4], 0, 2, 1, 1));
        // A gradient equal for every value moves only beta: dx = 0, dGamma = Σ dy·x̂ = 0, dBeta = Σ dy.
        var (dx, dGamma, dBeta) = ReferenceBackend.BatchNormBackward<double>([1, 3], [5, 5], [2], 0, 2, 1, 1);
        AssertClose([0, 0], dx);
        AssertClose([0], dGamma);
        AssertClose([10], dBeta);
    }

    [Fact]
    public void Sgd_momentum_follows_the_papers_update()
    {
        // v = 0.9·1 − 0.5·0.1·2 − 0.1·1 = 0.7; w = 2 + 0.7.
        var (v, w) = ReferenceBackend.SgdMomentum([1], 0.1, 0.9, 0.5, [1], [2]);
        AssertClose([0.7], v);
        AssertClose([2.7], w);
    }

    [Fact]
    public void Adams_first_step_moves_each_weight_by_about_the_learning_rate()
    {
        // At t = 1 the bias corrections undo (1 − β): m̂ = g, v̂ = g², so w moves by lr·g/(|g| + ε).
        var (m, v, w) = ReferenceBackend.Adam([2, -0.5], 0.001, 0.9, 0.999, 1e-7, 1, [0, 0], [0, 0], [1, 1]);
        AssertClose([0.2, -0.05], m);
        AssertClose([0.004, 0.00025], v);
        AssertClose([1 - (0.001 * 2 / (2 + 1e-7)), 1 + (0.001 * 0.5 / (0.5 + 1e-7))], w);
    }

    [Fact]
    public void AdamW_shrinks_each_weight_by_lr_times_decay_besides_Adams_step()
    {
        // Same g, m, v as Adam's first step; the decay λ = 0.5 adds lr·λ·w = 0.0005·w to the step,
        // whatever the gradient's size (under Adam's L2 it would be divided by √v̂ ≈ |g|).
        var (_, _, adam) = ReferenceBackend.Adam([2, -0.5], 0.001, 0.9, 0.999, 1e-8, 1, [0, 0], [0, 0], [1, 4]);
        var (m, v, w) = ReferenceBackend.AdamW([2, -0.5], 0.001, 0.9, 0.999, 1e-8, 0.5, 1, [0, 0], [0, 0], [1, 4]);
        AssertClose([0.2, -0.05], m);
        AssertClose([0.004, 0.00025], v);
        AssertClose([adam[0] - (0.001 * 0.5 * 1), adam[1] - (0.001 * 0.5 * 4)], w);
    }

    [Fact]
    public void Dropout_scales_kept_values_and_zeroes_dropped_ones_by_Philox()
    {
        double[] y = ReferenceBackend.Dropout(Enumerable.Repeat(1.0, 1000).ToArray(), 0.25f, 42, 3);
        Assert.All(y.Select((v, i) => (v, i)), e => Assert.Equal(ReferenceBackend.DropoutKeeps(0.25f, 42, 3, e.i) ? 1 / 0.75 : 0, e.v, Tolerance));
        Assert.InRange(y.Count(v => v != 0), 700, 800);
        Assert.Equal(Enumerable.Repeat(2.0, 10), ReferenceBackend.Dropout(Enumerable.Repeat(2.0, 10).ToArray(), 0f, 1, 1));
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"value {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
