using AlexNet.Training;
using AlexNet.Training.Data;

namespace AlexNet.Tests.Training;

public sealed class ImageDecoderTests
{
    [Theory]
    [InlineData(40, 20)]
    [InlineData(20, 40)]
    [InlineData(16, 16)]
    [InlineData(5, 7)]
    public void Shorter_side_is_resized_and_the_centre_square_kept(int width, int height)
    {
        using var folder = TestFiles.NewFolder();
        string path = folder.Combine("x.png");
        TestFiles.WriteImage(path, width, height, 3);

        byte[] pixels = new ImageDecoder().Load(path, 16);

        Assert.Equal(16 * 16 * 3, pixels.Length);
    }

    [Fact]
    public void Centre_crop_takes_the_middle_of_the_longer_side()
    {
        using var folder = TestFiles.NewFolder();
        string path = folder.Combine("stripes.png");
        // 30×10: left third red, middle third green, right third blue. Stored at 10, the crop is the green middle.
        using (var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(30, 10))
        {
            for (int y = 0; y < 10; y++)
            {
                for (int x = 0; x < 30; x++)
                {
                    image[x, y] = x < 10 ? new(255, 0, 0) : x < 20 ? new(0, 255, 0) : new(0, 0, 255);
                }
            }
            SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, path);
        }

        byte[] pixels = new ImageDecoder().Load(path, 10);

        int centre = ((5 * 10) + 5) * 3;
        Assert.Equal([0, 255, 0], pixels[centre..(centre + 3)]);
    }

    [Fact]
    public void Oversized_image_is_rejected_from_its_header_before_decoding()
    {
        using var folder = TestFiles.NewFolder();
        string path = folder.Combine("huge.png");
        File.WriteAllBytes(path, TestFiles.PngHeaderOnly(100_000, 100_000));

        var error = Assert.Throws<ImageRejectedException>(() => new ImageDecoder().Load(path, 16));

        Assert.Contains("100000×100000", error.Message, StringComparison.Ordinal);
        Assert.Contains("limit", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text.jpg", "hello, I am not an image")]
    [InlineData("empty.png", "")]
    public void Non_image_files_are_rejected_with_their_name(string name, string content)
    {
        using var folder = TestFiles.NewFolder();
        string path = folder.Combine(name);
        File.WriteAllText(path, content);

        var error = Assert.Throws<ImageRejectedException>(() => new ImageDecoder().Load(path, 16));

        Assert.Equal(path, error.Path);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_jpeg_is_rejected_not_thrown()
    {
        using var folder = TestFiles.NewFolder();
        string path = folder.Combine("cut.jpg");
        TestFiles.WriteImage(path, 64, 64, 1);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..200]);

        var error = Assert.Throws<ImageRejectedException>(() => new ImageDecoder().Load(path, 16));

        Assert.Equal(path, error.Path);
    }

    private static byte[] Encoded(string name, int width, int height)
    {
        using var folder = TestFiles.NewFolder();
        TestFiles.WriteImage(folder.Combine(name), width, height, 5);
        return File.ReadAllBytes(folder.Combine(name));
    }

    private static string Rejection(string name, byte[] content)
    {
        using var folder = TestFiles.NewFolder();
        string path = folder.Combine(name);
        File.WriteAllBytes(path, content);
        var error = Assert.Throws<ImageRejectedException>(() => new ImageDecoder().Load(path, 16));
        Assert.Equal(path, error.Path);
        return error.Reason;
    }

    private static void AssertAccepted(string name, byte[] content)
    {
        using var folder = TestFiles.NewFolder();
        File.WriteAllBytes(folder.Combine(name), content);
        Assert.Equal(16 * 16 * 3, new ImageDecoder().Load(folder.Combine(name), 16).Length);
    }

    [Fact]
    public void Jpeg_cut_in_its_scan_data_is_rejected_as_truncated()
    {
        byte[] jpeg = Encoded("photo.jpg", 64, 48);

        AssertAccepted("photo.jpg", jpeg);
        Assert.StartsWith("truncated:", Rejection("cut.jpg", TestFiles.CutInScanData(jpeg)), StringComparison.Ordinal);
        Assert.StartsWith("truncated:", Rejection("cut.jpg", jpeg[..^2]), StringComparison.Ordinal); // only the end-of-image marker missing
    }

    [Fact]
    public void A_thumbnails_end_marker_does_not_make_a_cut_jpeg_look_complete()
    {
        byte[] jpeg = TestFiles.JpegWithThumbnailMarkers(Encoded("photo.jpg", 64, 48));

        AssertAccepted("thumbnail.jpg", jpeg);
        Assert.StartsWith("truncated:", Rejection("cut.jpg", TestFiles.CutInScanData(jpeg)), StringComparison.Ordinal);
    }

    [Fact]
    public void Png_cut_between_chunks_or_without_its_end_chunk_is_rejected_as_truncated()
    {
        // Noise does not compress: several IDAT chunks, so a cut can fall between two of them (the decoder would fill the rest in black).
        using var noise = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(256, 256);
        var random = new Random(1);
        for (int y = 0; y < 256; y++)
        {
            for (int x = 0; x < 256; x++)
            {
                noise[x, y] = new((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
            }
        }
        using var memory = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(noise, memory);
        byte[] png = memory.ToArray();
        var chunkStarts = new List<int>();
        for (int position = 8; position < png.Length; position += 12 + System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(position)))
        {
            chunkStarts.Add(position);
        }
        int secondIdat = chunkStarts.Where(c => png.AsSpan(c + 4, 4).SequenceEqual("IDAT"u8)).Skip(1).First();

        AssertAccepted("noise.png", png);
        Assert.Equal("truncated: the PNG ends without its IEND chunk", Rejection("cut.png", png[..secondIdat]));
        Assert.Equal("truncated: the PNG ends without its IEND chunk", Rejection("no-end.png", png[..^12]));
        Assert.StartsWith("truncated: the PNG's IEND chunk", Rejection("half-end.png", png[..^1]), StringComparison.Ordinal);
        Assert.StartsWith("truncated: the PNG's IDAT chunk", Rejection("mid-chunk.png", png[..(secondIdat + 100)]), StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_files_are_skipped_and_counted_when_decoding_a_data_set()
    {
        using var folder = TestFiles.NewFolder();
        for (int i = 0; i < 3; i++)
        {
            TestFiles.WriteImage(folder.Combine("a", $"{i}.png"), 12, 12, i);
            TestFiles.WriteImage(folder.Combine("b", $"{i}.png"), 12, 12, i + 10);
        }
        File.WriteAllText(folder.Combine("b", "bad.jpg"), "garbage");
        File.WriteAllBytes(folder.Combine("a", "huge.png"), TestFiles.PngHeaderOnly(20_000, 20_000));
        File.WriteAllText(folder.Combine("a", "notes.txt"), "ignored: not an image extension");
        var catalog = DataCatalog.FromFolder(folder.Path);
        var skipped = new List<ImageRejectedException>();

        var images = catalog.Decode(catalog.Items, 8, new ImageDecoder(maxPixels: 1_000_000), skipped, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["a", "b"], catalog.ClassNames);
        Assert.Equal(8, catalog.Items.Count);
        Assert.Equal(6, images.Count);
        Assert.Equal([3, 3], images.CountPerClass(2));
        Assert.Equal(["huge.png", "bad.jpg"], skipped.Select(s => Path.GetFileName(s.Path)));
    }

    [Fact]
    public void Empty_class_folder_stops_with_a_clear_error()
    {
        using var folder = TestFiles.NewFolder();
        TestFiles.WriteImage(folder.Combine("a", "0.png"), 8, 8, 0);
        Directory.CreateDirectory(folder.Combine("b"));

        var error = Assert.Throws<AppException>(() => DataCatalog.FromFolder(folder.Path));

        Assert.Contains("'" + folder.Combine("b") + "'", error.Message, StringComparison.Ordinal);
        Assert.Contains("no image files", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_class_stops_with_a_clear_error()
    {
        using var folder = TestFiles.NewFolder();
        TestFiles.WriteImage(folder.Combine("only", "0.png"), 8, 8, 0);

        var error = Assert.Throws<AppException>(() => DataCatalog.FromFolder(folder.Path));

        Assert.Contains("at least two", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oxford17_layout_is_labelled_by_file_number()
    {
        using var folder = TestFiles.NewFolder();
        Directory.CreateDirectory(folder.Combine("jpg"));
        foreach (int number in new[] { 1, 80, 81, 1360 }.Concat(Enumerable.Range(0, 17).Select(c => (c * 80) + 2)))
        {
            File.WriteAllText(folder.Combine("jpg", $"image_{number:D4}.jpg"), "");
        }

        var catalog = DataCatalog.FromFolder(folder.Path);

        Assert.Equal("Oxford 17 Flowers", catalog.Kind);
        Assert.Equal(Oxford17.ClassNames, catalog.ClassNames);
        var labels = catalog.Items.ToDictionary(i => Path.GetFileName(i.Source), i => i.Label);
        Assert.Equal(0, labels["image_0001.jpg"]);
        Assert.Equal(0, labels["image_0080.jpg"]);
        Assert.Equal(1, labels["image_0081.jpg"]);
        Assert.Equal(16, labels["image_1360.jpg"]);
    }

    [Fact]
    public void Oxford17_with_a_missing_class_names_the_missing_files()
    {
        using var folder = TestFiles.NewFolder();
        Directory.CreateDirectory(folder.Combine("jpg"));
        File.WriteAllText(folder.Combine("jpg", "image_0001.jpg"), "");

        var error = Assert.Throws<AppException>(() => DataCatalog.FromFolder(folder.Path));

        Assert.Contains("Snowdrop", error.Message, StringComparison.Ordinal);
        Assert.Contains("image_0081.jpg", error.Message, StringComparison.Ordinal);
    }
}
