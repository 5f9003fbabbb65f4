using AlexNet.Layers;

namespace AlexNet.Tests.Layers;

public class InitializerTests
{
    [Theory]
    [InlineData(363, 96 * 121)]    // conv1 of the Keras network: fan_in 3·11·11, fan_out 96·11·11
    [InlineData(9216, 4096)]       // fc6
    public void Uniform_schemes_stay_within_their_bounds_and_reach_them(int fanIn, int fanOut)
    {
        AssertBound(Initializer.PyTorchDefault, fanIn, fanOut, 1 / Math.Sqrt(fanIn));
        AssertBound(Initializer.GlorotUniform, fanIn, fanOut, Math.Sqrt(6.0 / (fanIn + fanOut)));
    }

    [Fact]
    public void He_normal_has_deviation_sqrt_two_over_fan_in()
    {
        var values = new float[50_000];
        Initializer.HeNormal.Fill(values, fanIn: 200, fanOut: 10, seed: 1, stream: 2);
        double std = Math.Sqrt(values.Average(v => (double)v * v));
        Assert.InRange(std, Math.Sqrt(2.0 / 200) * 0.98, Math.Sqrt(2.0 / 200) * 1.02);
    }

    [Fact]
    public void Constants_fill_every_value()
    {
        var values = new float[7];
        Initializer.Constant(1f).Fill(values, 1, 1, 0, 0);
        Assert.All(values, v => Assert.Equal(1f, v));
        Initializer.Zeros.Fill(values, 1, 1, 0, 0);
        Assert.All(values, v => Assert.Equal(0f, v));
    }

    private static void AssertBound(Initializer initializer, int fanIn, int fanOut, double bound)
    {
        var values = new float[20_000];
        initializer.Fill(values, fanIn, fanOut, seed: 9, stream: 1);
        Assert.All(values, v => Assert.InRange(v, -bound, bound));
        // 20,000 uniform draws come within 0.1% of both ends.
        Assert.True(values.Max() > bound * 0.999 && values.Min() < -bound * 0.999, $"values do not span ±{bound}");
    }
}
