using AlexNet.Layers;

namespace AlexNet.Tests.Layers;

public class HostRandomTests
{
    [Fact]
    public void Values_depend_only_on_seed_stream_and_index_not_on_how_the_tensor_is_split()
    {
        // 200,003 values span several parallel chunks and end in a partial Philox block.
        var whole = new float[200_003];
        HostRandom.FillNormal(whole, 0f, 1f, seed: 7, stream: 11);
        var again = new float[whole.Length];
        HostRandom.FillNormal(again, 0f, 1f, seed: 7, stream: 11);
        Assert.Equal(whole, again);

        // A prefix filled on its own holds the same first values.
        var prefix = new float[5];
        HostRandom.FillNormal(prefix, 0f, 1f, seed: 7, stream: 11);
        Assert.Equal(whole.AsSpan(0, 5).ToArray(), prefix);
    }

    [Fact]
    public void Different_seeds_and_streams_give_different_values()
    {
        var a = Draw(seed: 1, stream: 1);
        Assert.NotEqual(a, Draw(seed: 2, stream: 1));
        Assert.NotEqual(a, Draw(seed: 1, stream: 2));
    }

    [Fact]
    public void Uniform_values_fill_the_interval_evenly()
    {
        var values = new float[100_000];
        HostRandom.FillUniform(values, -0.5f, 1.5f, seed: 3, stream: 4);
        Assert.All(values, v => Assert.InRange(v, -0.5f, 1.5f));
        var (mean, std) = Moments(values);
        // U(a, b): mean (a + b)/2 = 0.5, std (b − a)/√12 = 0.577; 5 standard errors of slack.
        Assert.InRange(mean, 0.5 - 0.01, 0.5 + 0.01);
        Assert.InRange(std, 0.5774 - 0.005, 0.5774 + 0.005);
    }

    [Fact]
    public void Normal_values_have_the_requested_mean_and_deviation_and_normal_tails()
    {
        var values = new float[100_000];
        HostRandom.FillNormal(values, 2f, 0.01f, seed: 5, stream: 6);
        var (mean, std) = Moments(values);
        Assert.InRange(mean, 2 - 0.0002, 2 + 0.0002);
        Assert.InRange(std, 0.01 * 0.98, 0.01 * 1.02);
        // About 4.55% of a normal sample lies beyond two standard deviations.
        double beyondTwo = values.Count(v => Math.Abs(v - 2f) > 0.02f) / (double)values.Length;
        Assert.InRange(beyondTwo, 0.0455 - 0.004, 0.0455 + 0.004);
    }

    [Fact]
    public void Stream_numbers_of_names_are_stable_and_distinct()
    {
        // FNV-1a of "a" is a published test vector; this value must never change, or old seeds give new weights.
        Assert.Equal(0xAF63DC4C8601EC8Cul, HostRandom.StreamOf("a"));
        Assert.NotEqual(HostRandom.StreamOf("conv1.weight"), HostRandom.StreamOf("conv1.bias"));
    }

    private static float[] Draw(ulong seed, ulong stream)
    {
        var values = new float[16];
        HostRandom.FillUniform(values, 0f, 1f, seed, stream);
        return values;
    }

    private static (double Mean, double Std) Moments(float[] values)
    {
        double mean = values.Average(v => (double)v);
        double variance = values.Average(v => (v - mean) * (v - mean));
        return (mean, Math.Sqrt(variance));
    }
}
