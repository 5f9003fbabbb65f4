using AlexNet.Backends;
using AlexNet.Tensors;

namespace AlexNet.Tests.Backends;

/// <summary>Seeded test values and the round trip host → backend → host.</summary>
public static class TestData
{
    /// <summary><paramref name="length"/> values uniform in [low, high), from <paramref name="random"/>.</summary>
    public static float[] Uniform(Random random, int length, float low = -1f, float high = 1f)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = low + ((high - low) * random.NextSingle());
        }
        return values;
    }

    /// <summary>The values widened to double, exactly, for the reference.</summary>
    public static double[] ToDouble(this float[] values) => Array.ConvertAll(values, v => (double)v);

    /// <summary>A new tensor of <paramref name="backend"/> holding <paramref name="values"/>.</summary>
    public static Tensor Tensor(this IBackend backend, Shape shape, float[] values, string? name = null)
    {
        var tensor = backend.Allocate(shape, name);
        backend.Upload(values, tensor);
        return tensor;
    }

    /// <summary>
    /// Batch-normalization inputs [N, C, pixels] whose every channel is well spread: alternating
    /// signs of magnitude 0.5–1 around a random channel offset in [−2, 2], so each channel's standard
    /// deviation is at least ~0.4 even with two values. (Two nearly equal values would make 1/σ huge
    /// and every float comparison meaningless: the ill-conditioning of batch normalization itself,
    /// not an error of a backend.)
    /// </summary>
    public static float[] WellSpreadChannels(Random random, int n, int channels, int pixels)
    {
        var values = new float[n * channels * pixels];
        for (int c = 0; c < channels; c++)
        {
            float offset = (random.NextSingle() * 4f) - 2f;
            for (int i = 0; i < n; i++)
            {
                for (int p = 0; p < pixels; p++)
                {
                    float magnitude = 0.5f + (0.5f * random.NextSingle());
                    values[(((i * channels) + c) * pixels) + p] = offset + (((i * pixels) + p) % 2 == 0 ? magnitude : -magnitude);
                }
            }
        }
        return values;
    }
}
