using AlexNet.Tests.Training;
using AlexNet.Training;
using AlexNet.Training.Data;

namespace AlexNet.Tests.Reliability;

/// <summary>
/// Item 10 of issue 16: unreadable files are found once, before the split, and take no place in it;
/// folders without them are split exactly as before, and runs split before the check keep their split.
/// A class with no readable image at all: TrainingTests.A_class_without_one_readable_image_stops_the_run_before_training.
/// </summary>
public sealed class UnreadableSplitTests
{
    private static readonly SplitSpec Quarters = SplitSpec.Default;

    /// <summary>The pets folder's 8 readable images per class, and in 'cats' a file that is no image and a PNG cut after its header.</summary>
    private static (DataCatalog Catalog, string[] Broken) WriteData(TempFolder work, bool withBroken = true)
    {
        PetsFolder.Write(work);
        string[] broken = [work.Combine("pets", "cats", "broken.jpg"), work.Combine("pets", "cats", "cut.png")];
        if (withBroken)
        {
            File.WriteAllText(broken[0], "not a JPEG");
            File.WriteAllBytes(broken[1], TestFiles.PngHeaderOnly(20, 20));
        }
        return (DataCatalog.FromFolder(work.Combine("pets")), broken);
    }

    [Fact]
    public void Unreadable_files_take_no_place_in_the_split()
    {
        using var work = TestFiles.NewFolder();
        var (catalog, broken) = WriteData(work);

        var readable = ReadableImages.Check(catalog, new ImageDecoder(), TestContext.Current.CancellationToken);
        var fingerprint = SplitFingerprint.Of(catalog, readable);
        var split = DataSplit.Create(readable.ForSplit(fingerprint), catalog.ClassNames, Quarters, seed: 1);

        Assert.Equal(broken.Order(StringComparer.Ordinal), readable.Rejected.Select(r => r.Path).Order(StringComparer.Ordinal));
        Assert.All(readable.Rejected, r => Assert.False(string.IsNullOrWhiteSpace(r.Reason)));
        var placed = split.Train.Concat(split.Validation).Concat(split.Test).Select(item => item.Source).ToList();
        Assert.Empty(placed.Intersect(broken));
        // Each class's share is of its readable images: 8 per class give 4/2/2.
        Assert.Equal([4, 4], Enumerable.Range(0, 2).Select(label => split.Train.Count(item => item.Label == label)));
        Assert.Equal([2, 2], Enumerable.Range(0, 2).Select(label => split.Test.Count(item => item.Label == label)));
        Assert.True(fingerprint.LeavesOutUnreadable);
        Assert.Equal([2, 0], fingerprint.Classes.Select(c => c.Unreadable!.Value));
    }

    [Fact]
    public void A_folder_of_readable_images_is_split_and_fingerprinted_exactly_as_before()
    {
        using var work = TestFiles.NewFolder();
        var (catalog, _) = WriteData(work, withBroken: false);

        var readable = ReadableImages.Check(catalog, new ImageDecoder(), TestContext.Current.CancellationToken);
        var now = SplitFingerprint.Of(catalog, readable);
        var before = SplitFingerprint.Of(catalog); // as runs stored it before the check existed

        Assert.Empty(readable.Rejected);
        foreach (ulong seed in new ulong[] { 1, 2, 77 })
        {
            var expected = DataSplit.Create(catalog.Items, catalog.ClassNames, Quarters, seed);
            var actual = DataSplit.Create(readable.ForSplit(now), catalog.ClassNames, Quarters, seed);
            Assert.Equal(expected.Train, actual.Train);
            Assert.Equal(expected.Validation, actual.Validation);
            Assert.Equal(expected.Test, actual.Test);
        }
        Assert.Equal(before.Classes.Select(c => (c.Name, c.Files, c.Bytes, c.Sha256)), now.Classes.Select(c => (c.Name, c.Files, c.Bytes, c.Sha256)));
        // An old run on such a folder verifies without a word.
        var warnings = new List<string>();
        SplitFingerprint.Verify(before, readable, warnings.Add);
        Assert.Empty(warnings);
    }

    [Fact]
    public void A_run_split_before_the_check_keeps_its_split_and_is_told_why()
    {
        using var work = TestFiles.NewFolder();
        var (catalog, _) = WriteData(work);
        var old = SplitFingerprint.Of(catalog); // what an earlier alexnet stored: no Unreadable counts

        var readable = ReadableImages.Check(catalog, new ImageDecoder(), TestContext.Current.CancellationToken);
        var warnings = new List<string>();
        SplitFingerprint.Verify(old, readable, warnings.Add);

        Assert.False(old.LeavesOutUnreadable);
        Assert.Equal(catalog.Items, readable.ForSplit(old));
        Assert.Equal(catalog.Items, readable.ForSplit(null));
        string warning = Assert.Single(warnings);
        Assert.Contains("this run was split by an earlier alexnet, which gave unreadable files a place in the split; 2 file(s)", warning, StringComparison.Ordinal);
        Assert.Contains("A new run on this folder leaves them out of its split.", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Training_reports_each_unreadable_file_and_splits_the_readable_ones()
    {
        using var work = TestFiles.NewFolder();
        var (_, broken) = WriteData(work);

        // 4/4/0 takes 8 of each class: all of the readable ones, whichever places the broken files would have had.
        var trained = await AppRunner.RunAsync(work.Path, null, "train", "--model", "mini", "--data", work.Combine("pets"), "--batch-size", "2",
            "--epochs", "1", "--threads", "1", "--name", "run", "--split", "4/4/0");

        Assert.True(trained.ExitCode == 0, trained.Error);
        Assert.Contains($"warning: left out of the split: {broken[0]}: not an image", trained.Error, StringComparison.Ordinal);
        Assert.Contains($"warning: left out of the split: {broken[1]}: truncated: ", trained.Error, StringComparison.Ordinal);
        Assert.Contains("2 unreadable file(s) left out of the split", trained.Output, StringComparison.Ordinal);
        Assert.Contains("8 train / 8 val images", trained.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("skipped", trained.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_became_unreadable_since_the_split_is_refused_by_evaluate()
    {
        using var work = TestFiles.NewFolder();
        WriteData(work);
        string run = await PetsFolder.TrainOneEpoch(work);
        // Same name, same size: only the readability changed, and with it the split.
        string damaged = work.Combine("pets", "cats", "3.png");
        File.WriteAllBytes(damaged, new byte[new FileInfo(damaged).Length]);

        var evaluated = await AppRunner.RunAsync(work.Path, null, "evaluate", "--checkpoint", Path.Combine(run, "last.safetensors"));

        Assert.Equal(1, evaluated.ExitCode);
        Assert.Contains("'cats' has 10 files as before, but 2 of them were unreadable then and 3 are now", evaluated.Error, StringComparison.Ordinal);
    }
}
