using AlexNet.Training.Data;
using FsCheck;
using FsCheck.Fluent;

namespace AlexNet.Tests.Training;

/// <summary>The loader's vectorized resize and jitter against their plain loops (<see cref="PlainAugmentation"/>), on shapes that leave vector tails.</summary>
public sealed class VectorizedAugmentationTests
{
    private const ulong Seed = 20261203;

    /// <summary>An image, a box inside it, an output size and a flip.</summary>
    private static Gen<(byte[] Image, int Width, ResizedCrop.Box Box, int Size, bool Flip)> Resizes =>
        from width in Gen.Choose(1, 48)
        from height in Gen.Choose(1, 48)
        from boxWidth in Gen.Choose(1, width)
        from boxHeight in Gen.Choose(1, height)
        from x in Gen.Choose(0, width - boxWidth)
        from y in Gen.Choose(0, height - boxHeight)
        from size in Gen.Choose(1, 37)
        from flip in ArbMap.Default.GeneratorFor<bool>()
        from pixels in Gen.ArrayOf(Gen.Choose(0, 255).Select(v => (byte)v), width * height * 3)
        select (pixels, width, new ResizedCrop.Box(x, y, boxWidth, boxHeight), size, flip);

    [Fact]
    public void Resize_gives_the_plain_loops_sums_to_the_bit()
    {
        var property = Prop.ForAll(Resizes.ToArbitrary(), c =>
        {
            var fast = new float[3 * c.Size * c.Size];
            var plain = new float[fast.Length];
            BilinearResize.Resize(c.Image, c.Width, c.Box, c.Size, c.Flip, fast);
            PlainAugmentation.Resize(c.Image, c.Width, c.Box, c.Size, c.Flip, plain);
            AssertClose(plain, fast, 0, $"resize of {c.Box} to {c.Size}² (flip {c.Flip})");
        });
        Check.One(AugmentationCases.Replayed(Seed), property);
    }

    /// <summary>Planes of 1–300 pixels on the 0…255 scale and a draw with factors in [0, 2], a hue shift in [−½, ½] and any order.</summary>
    private static Gen<(float[] Chw, ColourJitter.Draw Draw)> Jitters =>
        from pixels in Gen.Choose(1, 300)
        from values in Gen.ArrayOf(Gen.Choose(0, 2550).Select(v => v / 10f), 3 * pixels)
        from factors in Gen.ArrayOf(Gen.Choose(0, 2000).Select(v => v / 1000f), 3)
        from hue in Gen.Choose(-500, 500).Select(v => v / 1000f)
        from order in Gen.Shuffle(new[] { 0, 1, 2, 3 })
        select (values, new ColourJitter.Draw(factors[0], factors[1], factors[2], hue, order[0] | (order[1] << 2) | (order[2] << 4) | (order[3] << 6)));

    [Fact]
    public void Jitter_matches_the_plain_loops_within_the_rounding_of_the_contrast_mean()
    {
        var property = Prop.ForAll(Jitters.ToArbitrary(), c =>
        {
            var fast = (float[])c.Chw.Clone();
            var plain = (float[])c.Chw.Clone();
            ColourJitter.Apply(fast, c.Draw);
            PlainAugmentation.Jitter(plain, c.Draw);
            // The vector path sums the contrast's grey in another order (double partial sums per lane):
            // its mean may differ in the last float bit, and 255·2⁻²³ ≈ 3e-5 is all that can move a value.
            AssertClose(plain, fast, 1e-3f, $"jitter {c.Draw} of {c.Chw.Length / 3} pixels");
        });
        Check.One(AugmentationCases.Replayed(Seed), property);
    }

    [Fact]
    public void Grey_pixels_keep_their_value_when_the_hue_turns()
    {
        var chw = new float[3 * 19];
        Array.Fill(chw, 128f);
        ColourJitter.Apply(chw, ColourJitter.Draw.None with { Hue = 0.3f });
        Assert.All(chw, v => Assert.Equal(128f, v));
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance, string what)
    {
        // A NaN counts as the largest difference there is.
        static float Difference(float a, float b) => float.IsNaN(a - b) ? float.PositiveInfinity : Math.Abs(a - b);
        int worst = 0;
        for (int i = 1; i < expected.Length; i++)
        {
            worst = Difference(expected[i], actual[i]) > Difference(expected[worst], actual[worst]) ? i : worst;
        }
        float difference = Difference(expected[worst], actual[worst]);
        Assert.True(difference <= tolerance,
            $"{what}: largest difference {difference:G4} (allowed {tolerance:G4}) at index {worst}: plain {expected[worst]:G9}, vectorized {actual[worst]:G9}; FsCheck replay seed {Seed}");
    }
}
