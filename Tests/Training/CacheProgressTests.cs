using AlexNet.Training.Cli;

namespace AlexNet.Tests.Training;

/// <summary>The cache build's progress in a log: images ready of all asked for, the rate of this pass only, a line every 30 s.</summary>
public sealed class CacheProgressTests
{
    [Fact]
    public void A_log_gets_a_line_every_30_seconds_with_the_rate_of_the_images_decoded_now()
    {
        var now = TimeSpan.Zero;
        var progress = new CacheProgress(1000, TimeSpan.FromSeconds(30), () => now);
        progress.Stored(400); // a part the store held: counts as ready, not in the rate
        var lines = new List<string>();
        for (int i = 0; i < 300; i++)
        {
            now += TimeSpan.FromSeconds(0.2); // 5 images/s
            if (progress.OneDecoded() is { } line)
            {
                lines.Add(line);
            }
        }

        // 60 s of decoding: lines at 30 s and 60 s, none in between.
        Assert.Equal(
        [
            "image cache: 550 of 1,000 images ready, decoding 5 images/s, about 1 min left",
            "image cache: 700 of 1,000 images ready, decoding 5 images/s, about 1 min left",
        ], lines);
        Assert.Equal(700, progress.Ready);
        Assert.Equal("image cache: decoded 300 images into /cache in 60.0 s (5 images/s); 400 were stored already.", progress.Summary("/cache"));
    }

    [Fact]
    public void A_store_that_held_everything_has_no_summary()
    {
        var progress = new CacheProgress(10, TimeSpan.FromSeconds(30), () => TimeSpan.Zero);
        progress.Stored(10);
        Assert.Equal(10, progress.Ready);
        Assert.Null(progress.Summary("/cache"));
    }
}
