using AlexNet.Training.Data;
using FsCheck;
using FsCheck.Fluent;
using static AlexNet.Tests.Training.AugmentationCases;

namespace AlexNet.Tests.Training;

/// <summary>Random-resized crops, the bilinear resize, colour jitter and short-side placement: geometry, determinism and identities.</summary>
public sealed class ExtraAugmentationTests
{
    private static readonly Config Properties = AugmentationCases.Replayed(20261203UL);

    private static readonly AlexNet.Training.Data.Interval Scale = new(0.08, 1), Aspect = new(3.0 / 4, 4.0 / 3);

    private static byte[] Coded(int height, int width)
    {
        var pixels = new byte[height * width * 3];
        for (int p = 0; p < pixels.Length; p++)
        {
            pixels[p] = (byte)((p * 37) % 251);
        }
        return pixels;
    }

    [Fact]
    public void Resized_crop_boxes_lie_inside_the_image_with_area_and_aspect_in_range_and_repeat_for_the_same_draw()
    {
        var property = Prop.ForAll(
            Gen.Choose(0, 1000).Zip(Gen.Choose(0, 100_000)).Zip(Gen.Choose(8, 600).Zip(Gen.Choose(8, 600))).ToArbitrary(),
            t =>
            {
                var ((epoch, image), (height, width)) = t;
                var box = ResizedCrop.ForTraining(5, epoch, image, height, width, Scale, Aspect);
                bool inside = box.X >= 0 && box.Y >= 0 && box.Width >= 1 && box.Height >= 1 && box.X + box.Width <= width && box.Y + box.Height <= height;
                double share = (double)box.Width * box.Height / ((double)width * height);
                double aspect = (double)box.Width / box.Height;
                bool fallback = box == ResizedCrop.Centre(height, width, Aspect);
                // Rounding w and h to whole pixels moves the share and aspect by at most a pixel's worth.
                double slack = (1.0 / box.Width) + (1.0 / box.Height) + 1e-9;
                bool inRange = fallback || (share >= Scale.Low * (1 - slack) * (1 - slack) && share <= Scale.High && aspect >= Aspect.Low * (1 - slack) / (1 + slack) && aspect <= Aspect.High * (1 + slack) / (1 - slack));
                return inside && inRange && box == ResizedCrop.ForTraining(5, epoch, image, height, width, Scale, Aspect);
            });
        Check.One(Properties, property);
        Assert.NotEqual(ResizedCrop.ForTraining(5, 0, 1, 300, 400, Scale, Aspect), ResizedCrop.ForTraining(5, 1, 1, 300, 400, Scale, Aspect));
    }

    [Fact]
    public void The_centre_fallback_narrows_an_image_too_wide_for_the_aspect_range()
    {
        Assert.Equal(new ResizedCrop.Box(33, 0, 133, 100), ResizedCrop.Centre(100, 200, Aspect));
        Assert.Equal(new ResizedCrop.Box(0, 0, 120, 100), ResizedCrop.Centre(100, 120, Aspect));
    }

    [Fact]
    public void A_box_of_the_input_size_resizes_to_exactly_its_pixels_and_a_larger_one_averages()
    {
        byte[] image = Coded(20, 30);
        var preprocessing = Plain(20, 8);
        var copied = new float[3 * 64];
        var resized = new float[3 * 64];
        var draw = new Augmentation.Draw(5, 3, true, 0, 0, 0);
        Augmentation.WriteInput(image, 20, 30, draw, preprocessing, copied);
        BilinearResize.Resize(image, 30, new ResizedCrop.Box(5, 3, 8, 8), 8, true, resized);
        for (int p = 0; p < 64; p++)
        {
            Assert.Equal(copied[p], resized[p] - 10);
            Assert.Equal(copied[64 + p], resized[64 + p] - 20);
        }
        // A uniform image stays uniform at any scale.
        var flat = Enumerable.Repeat((byte)77, 40 * 50 * 3).ToArray();
        var shrunk = new float[3 * 9 * 9];
        BilinearResize.Resize(flat, 50, new ResizedCrop.Box(3, 2, 37, 29), 9, false, shrunk);
        Assert.All(shrunk, v => Assert.Equal(77f, v, 3));
    }

    [Fact]
    public void Jitter_with_factors_of_one_and_no_hue_shift_changes_nothing_and_draws_stay_in_range()
    {
        var chw = Enumerable.Range(0, 3 * 25).Select(i => (float)((i * 41) % 256)).ToArray();
        var copy = (float[])chw.Clone();
        for (int order = 0; order < 4; order++)
        {
            ColourJitter.Apply(chw, ColourJitter.Draw.None with { Order = (order * 0b01_01_01_01) ^ 0b11_10_01_00 });
        }
        Assert.Equal(copy, chw);
        var none = ColourJitter.ForTraining(3, 1, 2, new JitterSettings(0, 0, 0, 0));
        Assert.Equal((1f, 1f, 1f, 0f), (none.Brightness, none.Contrast, none.Saturation, none.Hue));
        var settings = new JitterSettings(0.4, 0.4, 0.4, 0.1);
        for (int image = 0; image < 500; image++)
        {
            var draw = ColourJitter.ForTraining(3, 1, image, settings);
            Assert.InRange(draw.Brightness, 0.6f, 1.4f);
            Assert.InRange(draw.Hue, -0.1f, 0.1f);
            Assert.Equal([0, 1, 2, 3], Enumerable.Range(0, 4).Select(k => (int)draw.At(k)).Order());
            Assert.Equal(draw, ColourJitter.ForTraining(3, 1, image, settings));
        }
        // Brightness 0.5 halves; saturation 0 makes every channel the pixel's grey.
        var pixel = new float[] { 200, 100, 50 };
        ColourJitter.Apply(pixel, new ColourJitter.Draw(0.5f, 1, 1, 0, 0b11_10_01_00));
        Assert.Equal([100f, 50f, 25f], pixel);
        ColourJitter.Apply(pixel, new ColourJitter.Draw(1, 1, 0, 0, 0b11_10_01_00));
        Assert.All(pixel, v => Assert.Equal((0.299f * 100) + (0.587f * 50) + (0.114f * 25), v, 3));
    }

    [Fact]
    public void Without_the_new_options_training_draws_are_the_papers_and_on_short_side_images_the_centre_crop_is_the_squares()
    {
        var images = Enumerable.Range(0, 6).Select(_ => Coded(12, 12)).ToList();
        var set = new ImageSet(12, images, [0, 1, 0, 1, 0, 1], ["0", "1", "2", "3", "4", "5"]);
        var pipeline = new InputPipeline(set, Plain(12, 8), batchSize: 2);
        for (int image = 0; image < 6; image++)
        {
            Assert.Equal(Augmentation.ForTraining(9, 4, image, 4), pipeline.TrainingDraw(9, 4, image));
        }
        // A 16×24 image stored by its short side 16, for a model trained on squares of 12 cropped to 8: f = 16/12.
        var centre = Augmentation.OnShortSide(Augmentation.Centre(4), 16, 24, Plain(12, 8));
        Assert.Equal((4 + 3, 3, 11, 11), (centre.X, centre.Y, centre.Width, centre.Height));
        var shortSide = new ImageSet(StoredForm.ShortSideOf(16), [new StoredImage(Coded(16, 24), 16, 24)], [0], ["a"]);
        var resized = new InputPipeline(shortSide, Plain(12, 8), batchSize: 1, augmentation: new AugmentationSettings(16, Scale, Aspect, new JitterSettings(0.4, 0.4, 0.4, 0.1)));
        var draw = resized.TrainingDraw(9, 4, 0);
        Assert.NotNull(draw.Jitter);
        Assert.True(draw.X + draw.Width <= 24 && draw.Y + draw.Height <= 16);
        using var batch = resized.Build([0], image => resized.TrainingDraw(9, 4, image));
        Assert.All(batch.Inputs.ToArray(), v => Assert.True(float.IsFinite(v)));
    }
}
