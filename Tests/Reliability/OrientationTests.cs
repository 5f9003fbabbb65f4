using AlexNet.Tests.Training;
using AlexNet.Training.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AlexNet.Tests.Reliability;

/// <summary>Item 4 of issue 16: a photo's EXIF orientation is applied on load, as a viewer applies it.</summary>
public sealed class OrientationTests
{
    /// <summary>A 30×10 picture: red top half, blue bottom half.</summary>
    private static Image<Rgb24> Stripes()
    {
        var image = new Image<Rgb24>(30, 10);
        for (int y = 0; y < 10; y++)
        {
            for (int x = 0; x < 30; x++)
            {
                image[x, y] = y < 5 ? new Rgb24(255, 0, 0) : new Rgb24(0, 0, 255);
            }
        }
        return image;
    }

    [Theory]
    [InlineData(6, RotateMode.Rotate90)]
    [InlineData(3, RotateMode.Rotate180)]
    [InlineData(8, RotateMode.Rotate270)]
    public void A_photo_with_an_exif_orientation_loads_as_the_upright_picture(ushort orientation, RotateMode upright)
    {
        using var folder = TestFiles.NewFolder();
        var encoder = new JpegEncoder { Quality = 100 };
        using (var tagged = Stripes())
        {
            tagged.Metadata.ExifProfile = new ExifProfile();
            tagged.Metadata.ExifProfile.SetValue(ExifTag.Orientation, orientation);
            tagged.Save(folder.Combine("tagged.jpg"), encoder);
        }
        using (var turned = Stripes())
        {
            turned.Mutate(x => x.Rotate(upright));
            turned.Save(folder.Combine("turned.jpg"), encoder);
        }
        var decoder = new ImageDecoder();

        byte[] taggedPixels = decoder.Load(folder.Combine("tagged.jpg"), 10);
        byte[] turnedPixels = decoder.Load(folder.Combine("turned.jpg"), 10);

        int largest = taggedPixels.Zip(turnedPixels, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(largest < 60, $"the tagged photo differs from the upright one by up to {largest} levels (of 255)");
    }
}
