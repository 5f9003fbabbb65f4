using AlexNet.Backends;
using AlexNet.Backends.Cuda;
using AlexNet.Tensors;

namespace AlexNet.Tests.Cuda;

/// <summary>
/// The CUDA backend's own behaviour, on the emulated device: the cuBLAS row-major mapping, exact
/// dropout masks, memory and copy bookkeeping, and its error messages. (How every op compares with
/// the CPU backend is the backend-equivalence suite's job.)
/// </summary>
public class CudaBackendTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Gemm_maps_row_major_tensors_onto_column_major_cuBLAS(bool transposeA, bool transposeB)
    {
        using var backend = CudaTools.EmulatedBackend();
        const int m = 5, n = 7, k = 3;
        var random = new Random(11);
        float[] a = Values(random, m * k), b = Values(random, k * n), c = Values(random, m * n);
        using var ta = Tensor(backend, a, transposeA ? new Shape(k, m) : new Shape(m, k));
        using var tb = Tensor(backend, b, transposeB ? new Shape(n, k) : new Shape(k, n));
        using var tc = Tensor(backend, c, new Shape(m, n));

        backend.Gemm(ta, tb, transposeA, transposeB, alpha: 1.5f, beta: 0.5f, tc);

        var result = tc.ToArray();
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int l = 0; l < k; l++)
                {
                    double left = transposeA ? a[(l * m) + i] : a[(i * k) + l];
                    double right = transposeB ? b[(j * k) + l] : b[(l * n) + j];
                    sum += left * right;
                }
                double expected = (1.5 * sum) + (0.5 * c[(i * n) + j]);
                Assert.True(Math.Abs(result[(i * n) + j] - expected) <= 1e-5 * (1 + Math.Abs(expected)),
                    $"C[{i}, {j}] = {result[(i * n) + j]}, expected {expected}");
            }
        }
    }

    [Fact]
    public void Dropout_keeps_exactly_the_elements_Philox_cs_keeps()
    {
        using var backend = CudaTools.EmulatedBackend();
        const int length = 1003;  // not a multiple of four: the last Philox quad is partly used
        const float p = 0.3f;
        const ulong seed = 0x1234_5678_9abc_def0, offset = 77;
        var x = Values(new Random(5), length);
        using var input = Tensor(backend, x, new Shape(length));
        using var output = backend.Allocate(new Shape(length));

        backend.DropoutForward(input, p, seed, offset, 0, output);

        var y = output.ToArray();
        float scale = 1f / (1f - p);
        for (int i = 0; i < length; i++)
        {
            float expected = Philox.Uniform(seed, offset, i) >= p ? x[i] * scale : 0f;
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(y[i]));
        }
    }

    [Fact]
    public void Grouped_strided_padded_convolution_matches_the_definition()
    {
        using var backend = CudaTools.EmulatedBackend();
        const int n = 3, c = 4, h = 7, w = 6, o = 6, groups = 2, kernel = 3;
        var convolution = new Convolution(Stride: 2, Padding: 1, Groups: groups);
        int oh = convolution.OutputSize(h, kernel), ow = convolution.OutputSize(w, kernel);
        var random = new Random(3);
        float[] x = Values(random, n * c * h * w), weight = Values(random, o * (c / groups) * kernel * kernel), bias = Values(random, o);
        using var tx = Tensor(backend, x, new Shape(n, c, h, w));
        using var tw = Tensor(backend, weight, new Shape(o, c / groups, kernel, kernel));
        using var tb = Tensor(backend, bias, new Shape(o));
        using var ty = backend.Allocate(new Shape(n, o, oh, ow));

        backend.Conv2dForward(tx, tw, tb, convolution, ty);

        var y = ty.ToArray();
        int cg = c / groups, og = o / groups;
        for (int image = 0; image < n; image++)
        {
            for (int filter = 0; filter < o; filter++)
            {
                for (int r = 0; r < oh; r++)
                {
                    for (int s = 0; s < ow; s++)
                    {
                        double sum = bias[filter];
                        for (int ci = 0; ci < cg; ci++)
                        {
                            int channel = (filter / og * cg) + ci;
                            for (int i = 0; i < kernel; i++)
                            {
                                for (int j = 0; j < kernel; j++)
                                {
                                    int row = (r * 2) - 1 + i, column = (s * 2) - 1 + j;
                                    if (row >= 0 && row < h && column >= 0 && column < w)
                                    {
                                        sum += weight[(((filter * cg) + ci) * kernel + i) * kernel + j] * x[(((image * c) + channel) * h + row) * w + column];
                                    }
                                }
                            }
                        }
                        float actual = y[(((image * o) + filter) * oh + r) * ow + s];
                        Assert.True(Math.Abs(actual - sum) <= 1e-5 * (1 + Math.Abs(sum)), $"y[{image}, {filter}, {r}, {s}] = {actual}, expected {sum}");
                    }
                }
            }
        }
    }

    [Fact]
    public void Ops_copy_nothing_between_host_and_device_only_Upload_and_Download_do()
    {
        using var backend = CudaTools.EmulatedBackend();
        using var x = Tensor(backend, Values(new Random(1), 2 * 3 * 8 * 8), new Shape(2, 3, 8, 8));
        using var weight = Tensor(backend, Values(new Random(2), 4 * 3 * 3 * 3), new Shape(4, 3, 3, 3));
        Assert.Equal(2, backend.Transfers.Uploads);
        backend.Transfers.Reset();
        using var y = backend.Allocate(new Shape(2, 4, 6, 6));
        using var normalized = backend.Allocate(new Shape(2, 4, 6, 6));
        using var pooled = backend.Allocate(new Shape(2, 4, 2, 2));
        using var logits = backend.Allocate(new Shape(2, 16));
        using var labels = backend.Allocate(new Shape(2));
        using var probabilities = backend.Allocate(new Shape(2, 16));
        using var loss = backend.Allocate(new Shape(1));

        backend.Conv2dForward(x, weight, null, new Convolution(Stride: 1), y);
        backend.ReluForward(y, y);
        backend.LrnForward(y, LocalResponseNorm.Paper, normalized);
        backend.MaxPool2dForward(normalized, new Pooling(3, 2), pooled);
        backend.Copy(pooled, logits);
        backend.SoftmaxCrossEntropyForward(logits, labels, probabilities, loss);
        backend.Synchronize();
        Assert.Equal(0, backend.Transfers.Uploads + backend.Transfers.Downloads);

        var value = loss.ToArray();
        Assert.Equal(1, backend.Transfers.Downloads);
        Assert.Equal(1, backend.Transfers.DownloadedValues);
        Assert.True(float.IsFinite(value[0]));
    }

    [Fact]
    public void New_tensors_are_zero_and_freed_memory_is_reused_then_released_on_dispose()
    {
        var backend = CudaTools.EmulatedBackend();
        var first = backend.Allocate(new Shape(1000));
        backend.Fill(3f, first);
        first.Dispose();
        Assert.Equal(0, backend.BytesInUse);
        Assert.Equal(4000, backend.BytesCached);

        using var second = backend.Allocate(new Shape(10, 100));

        Assert.Equal(0, backend.BytesCached);
        Assert.All(second.ToArray(), v => Assert.Equal(0f, v));
        backend.Dispose();
        Assert.Equal(0, backend.BytesInUse);
        Assert.Equal(0, backend.BytesCached);
    }

    [Fact]
    public void Out_of_memory_says_what_was_asked_and_what_is_free_after_emptying_the_cache()
    {
        using var backend = CudaTools.EmulatedBackend(memoryLimit: 1 << 20);
        using var kept = backend.Allocate(new Shape(100_000));
        backend.Allocate(new Shape(50_000)).Dispose();  // cached; must be released before giving up

        var error = Assert.Throws<CudaOutOfMemoryException>(() => backend.Allocate(new Shape(200_000)));

        Assert.Equal(800_000, error.RequestedBytes);
        Assert.Equal((1 << 20) - 400_000, error.FreeBytes);
        Assert.Contains("smaller batch", error.Message);
        Assert.Equal(0, backend.BytesCached);
    }

    [Fact]
    public void A_tensor_of_another_backend_is_refused_naming_it()
    {
        using var backend = CudaTools.EmulatedBackend();
        using var other = CudaTools.EmulatedBackend();
        using var foreign = other.Allocate(new Shape(4), "foreign");
        using var local = backend.Allocate(new Shape(4));

        var error = Assert.Throws<ArgumentException>(() => backend.ReluForward(foreign, local));

        Assert.Contains("ReluForward: x is foreign [4] on cuda-emulated, which belongs to another cuda-emulated backend instance, not to this cuda-emulated backend", error.Message);
    }

    [Fact]
    public void An_output_sharing_memory_with_an_input_is_refused_where_the_kernel_needs_them_apart()
    {
        using var backend = CudaTools.EmulatedBackend();
        using var x = backend.Allocate(new Shape(1, 8, 4, 4), "x");

        var error = Assert.Throws<ArgumentException>(() => backend.LrnForward(x, LocalResponseNorm.Paper, x.Reshape(x.Shape, "view of x")));

        Assert.Contains("LrnForward: y (view of x [1, 8, 4, 4]) shares memory with x", error.Message);
    }

    [Fact]
    public void Shape_errors_name_the_op_the_tensor_and_the_expected_shape()
    {
        using var backend = CudaTools.EmulatedBackend();
        using var x = backend.Allocate(new Shape(1, 3, 8, 8), "x");
        using var weight = backend.Allocate(new Shape(4, 3, 3, 3), "w");
        using var y = backend.Allocate(new Shape(1, 4, 5, 5), "y");

        var error = Assert.Throws<ArgumentException>(() => backend.Conv2dForward(x, weight, null, new Convolution(Stride: 1), y));

        Assert.Contains("Conv2dForward: y is y [1, 4, 5, 5], expected shape [1, 4, 6, 6]", error.Message);
    }

    private static float[] Values(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();

    private static Tensor Tensor(IBackend backend, float[] values, Shape shape)
    {
        var tensor = backend.Allocate(shape);
        backend.Upload(values, tensor);
        return tensor;
    }
}
