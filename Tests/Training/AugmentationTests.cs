using AlexNet.Training.Data;
using FsCheck;
using FsCheck.Fluent;
using static AlexNet.Tests.Training.AugmentationCases;

namespace AlexNet.Tests.Training;

public sealed class AugmentationTests
{
    private static readonly Config Properties = AugmentationCases.Replayed(20260401UL);

    /// <summary>A stored image whose pixel (y, x, c) is (y·31 + x·7 + c·101) mod 256, so every value tells where it came from.</summary>
    private static byte[] Coded(int size)
    {
        var pixels = new byte[size * size * 3];
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    pixels[(((y * size) + x) * 3) + c] = (byte)(((y * 31) + (x * 7) + (c * 101)) % 256);
                }
            }
        }
        return pixels;
    }

    [Fact]
    public void Random_crops_stay_inside_the_image_and_reach_every_offset()
    {
        var seen = new HashSet<(int, int)>();
        var property = Prop.ForAll(
            Gen.Choose(0, 1000).Zip(Gen.Choose(0, 100_000)).Zip(Gen.Choose(0, 40)).ToArbitrary(),
            t =>
            {
                var ((epoch, image), maxOffset) = t;
                var draw = Augmentation.ForTraining(seed: 3, epoch, image, maxOffset);
                return draw.X >= 0 && draw.X <= maxOffset && draw.Y >= 0 && draw.Y <= maxOffset;
            });
        Check.One(Properties, property);

        for (int image = 0; image < 2000; image++)
        {
            var draw = Augmentation.ForTraining(seed: 3, epoch: 0, image, maxOffset: 4);
            seen.Add((draw.X, draw.Y));
        }
        Assert.Equal(25, seen.Count);
    }

    [Fact]
    public void Crop_copies_the_right_pixels_and_subtracts_the_mean()
    {
        byte[] image = Coded(12);
        var preprocessing = Plain(12, 8);
        var input = new float[3 * 8 * 8];

        Augmentation.WriteInput(image, new Augmentation.Draw(3, 2, false, 0, 0, 0), preprocessing, input);

        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < 8; i++)
            {
                for (int j = 0; j < 8; j++)
                {
                    float expected = image[((((2 + i) * 12) + 3 + j) * 3) + c] - (float)preprocessing.Mean[c];
                    Assert.Equal(expected, input[(c * 64) + (i * 8) + j]);
                }
            }
        }
    }

    [Fact]
    public void Standardized_inputs_are_centred_pixels_times_the_channel_scale()
    {
        byte[] image = Coded(10);
        var preprocessing = Plain(10, 6) with { Scale = [0.5, 0.25, 2] };
        var input = new float[3 * 36];

        Augmentation.WriteInput(image, new Augmentation.Draw(2, 1, false, 0, 0, 0), preprocessing, input);

        for (int c = 0; c < 3; c++)
        {
            float expected = (image[((((1 + 4) * 10) + 2 + 3) * 3) + c] - (float)preprocessing.Mean[c]) * (float)preprocessing.Scale[c];
            Assert.Equal(expected, input[(c * 36) + (4 * 6) + 3]);
        }
    }

    [Fact]
    public void Mirroring_twice_is_the_identity()
    {
        byte[] image = Coded(10);
        var preprocessing = Plain(10, 6);
        var plain = new float[3 * 36];
        var mirrored = new float[3 * 36];

        Augmentation.WriteInput(image, new Augmentation.Draw(1, 3, false, 0, 0, 0), preprocessing, plain);
        Augmentation.WriteInput(image, new Augmentation.Draw(1, 3, true, 0, 0, 0), preprocessing, mirrored);

        Assert.NotEqual(plain, mirrored);
        var mirroredBack = new float[3 * 36];
        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < 6; i++)
            {
                for (int j = 0; j < 6; j++)
                {
                    mirroredBack[(c * 36) + (i * 6) + j] = mirrored[(c * 36) + (i * 6) + 5 - j];
                }
            }
        }
        Assert.Equal(plain, mirroredBack);
    }

    [Fact]
    public void Crop_outside_the_image_is_refused()
    {
        var input = new float[3 * 36];

        Assert.Throws<ArgumentOutOfRangeException>(() =>
            Augmentation.WriteInput(Coded(10), new Augmentation.Draw(5, 0, false, 0, 0, 0), Plain(10, 6), input));
    }

    [Fact]
    public void Ten_crops_are_the_corners_and_centre_each_mirrored()
    {
        var crops = Augmentation.TenCrops(32);

        Assert.Equal(10, crops.Distinct().Count());
        Assert.Equal(5, crops.Count(c => c.Flip));
        Assert.Contains(new Augmentation.Draw(32, 32, true, 0, 0, 0), crops);
        Assert.Contains(Augmentation.Centre(32), crops);
    }

    [Fact]
    public void Pca_noise_alphas_are_independent_normals_with_std_0_1()
    {
        const int n = 20_000;
        var sums = new double[3];
        var squares = new double[3];
        double cross = 0;
        for (int image = 0; image < n; image++)
        {
            var d = Augmentation.ForTraining(seed: 11, epoch: 2, image, maxOffset: 0);
            double[] a = [d.Alpha0, d.Alpha1, d.Alpha2];
            for (int k = 0; k < 3; k++)
            {
                sums[k] += a[k];
                squares[k] += a[k] * a[k];
            }
            cross += a[0] * a[1];
        }
        for (int k = 0; k < 3; k++)
        {
            double mean = sums[k] / n;
            double std = Math.Sqrt((squares[k] / n) - (mean * mean));
            Assert.InRange(mean, -0.004, 0.004); // 5 standard errors of 0.1/√20000
            Assert.InRange(std, 0.097, 0.103);
        }
        Assert.InRange(cross / n, -0.0004, 0.0004);
    }

    [Fact]
    public void Pca_shift_follows_the_eigenvectors_scaled_by_eigenvalues()
    {
        double s = Math.Sqrt(0.5);
        // Eigenvector columns: (s, s, 0), (−s, s, 0), (0, 0, 1).
        var preprocessing = new Preprocessing(8, 8, [0, 0, 0], [1, 1, 1], [0.04, 0.01, 0.001], [s, -s, 0, s, s, 0, 0, 0, 1]);

        var shift = preprocessing.ColourShift(1.0, 0, 0);
        var second = preprocessing.ColourShift(0, 2.0, 0);

        Assert.Equal(255 * 0.04 * s, shift.R, 4);
        Assert.Equal(255 * 0.04 * s, shift.G, 4);
        Assert.Equal(0, shift.B, 4);
        Assert.Equal(-255 * 0.02 * s, second.R, 4);
        Assert.Equal(255 * 0.02 * s, second.G, 4);
    }

    [Fact]
    public void Measured_mean_and_covariance_eigenvectors_match_the_data()
    {
        // Pixels vary only along (1, 1, 0)/√2 around (100, 100, 50): one non-zero eigenvalue, that direction.
        var images = new List<byte[]>();
        for (int i = 0; i < 4; i++)
        {
            var pixels = new byte[4 * 4 * 3];
            for (int p = 0; p < 16; p++)
            {
                int v = 100 + (((p + i) % 2 == 0) ? 40 : -40);
                pixels[p * 3] = (byte)v;
                pixels[(p * 3) + 1] = (byte)v;
                pixels[(p * 3) + 2] = 50;
            }
            images.Add(pixels);
        }
        var set = new ImageSet(4, images, [0, 0, 1, 1], ["a", "b", "c", "d"]);

        var measured = Preprocessing.Measure(set, 4, standardize: true);

        Assert.Equal([100.0, 100.0, 50.0], measured.Mean);
        double variance = 40.0 * 40.0 / (255.0 * 255.0);
        Assert.Equal(2 * variance, measured.PcaEigenvalues[0], 10);
        Assert.Equal(0, measured.PcaEigenvalues[1], 10);
        Assert.Equal(Math.Sqrt(0.5), measured.PcaEigenvectors[0], 8);
        Assert.Equal(Math.Sqrt(0.5), measured.PcaEigenvectors[3], 8);
        Assert.Equal(0, measured.PcaEigenvectors[6], 8);
        Assert.Equal(1 / 40.0, measured.Scale[0], 10);
        Assert.Equal(1.0, measured.Scale[2]); // a constant channel is left unscaled
    }

    [Fact]
    public void Jacobi_eigen_decomposition_satisfies_A_v_equals_lambda_v()
    {
        var a = new double[,] { { 4, 1, 0.5 }, { 1, 3, 0.25 }, { 0.5, 0.25, 2 } };

        var (values, vectors) = SymmetricEigen.Decompose3(a);

        Assert.True(values[0] >= values[1] && values[1] >= values[2]);
        for (int k = 0; k < 3; k++)
        {
            for (int row = 0; row < 3; row++)
            {
                double av = 0;
                for (int col = 0; col < 3; col++)
                {
                    av += a[row, col] * vectors[(col * 3) + k];
                }
                Assert.Equal(values[k] * vectors[(row * 3) + k], av, 10);
            }
        }
        Assert.Equal(9, values.Sum(), 10); // the trace
    }

    [Fact]
    public void Batches_are_the_same_whatever_the_thread_timing()
    {
        var images = Enumerable.Range(0, 40).Select(i => Coded(12).Select(b => (byte)(b ^ i)).ToArray()).ToList();
        var set = new ImageSet(12, images, [.. Enumerable.Range(0, 40).Select(i => i % 4)], [.. Enumerable.Range(0, 40).Select(i => $"{i}")]);
        var pipeline = new InputPipeline(set, Plain(12, 8), batchSize: 6);
        int[] order = pipeline.EpochOrder(seed: 5, epoch: 3);

        List<float[]> Run(int firstBatch)
        {
            var result = new List<float[]>();
            using var queue = pipeline.Training(5, 3, order, firstBatch, TestContext.Current.CancellationToken);
            while (queue.Next() is { } batch)
            {
                using (batch)
                {
                    result.Add([.. batch.Inputs.ToArray(), .. batch.Labels.ToArray()]);
                }
            }
            return result;
        }

        var first = Run(0);
        var second = Run(0);
        var resumed = Run(2);

        Assert.Equal(6, first.Count); // 40 images in full batches of 6
        Assert.Equal(first, second);
        Assert.Equal(first.Skip(2), resumed);
    }

    [Fact]
    public void Evaluation_batches_cover_every_image_once_per_crop()
    {
        var images = Enumerable.Range(0, 7).Select(_ => Coded(10)).ToList();
        var set = new ImageSet(10, images, [0, 1, 0, 1, 0, 1, 0], ["0", "1", "2", "3", "4", "5", "6"]);
        var pipeline = new InputPipeline(set, Plain(10, 8), batchSize: 3);
        var seen = new List<int>();

        using var queue = pipeline.Evaluation(Augmentation.TenCrops(2), TestContext.Current.CancellationToken);
        while (queue.Next() is { } batch)
        {
            using (batch)
            {
                seen.AddRange(batch.ImageIndices.ToArray());
            }
        }

        Assert.Equal(70, seen.Count);
        Assert.All(Enumerable.Range(0, 7), i => Assert.Equal(10, seen.Count(s => s == i)));
    }
}
