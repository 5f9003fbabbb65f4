using AlexNet.Training;
using AlexNet.Training.Data;

namespace AlexNet.Tests.Training;

public sealed class SplitTests
{
    private static List<DataItem> Items(int classes, int perClass) =>
        [.. Enumerable.Range(0, classes).SelectMany(c => Enumerable.Range(0, perClass).Select(i => new DataItem($"{c}/{i}", c)))];

    private static readonly string[] SeventeenNames = [.. Enumerable.Range(0, 17).Select(i => $"c{i}")];

    [Fact]
    public void Default_split_is_40_20_20_per_class_on_oxford17_sized_data()
    {
        var split = DataSplit.Create(Items(17, 80), SeventeenNames, SplitSpec.Default, seed: 1);

        Assert.Equal(17 * 40, split.Train.Count);
        Assert.Equal(17 * 20, split.Validation.Count);
        Assert.Equal(17 * 20, split.Test.Count);
        for (int c = 0; c < 17; c++)
        {
            Assert.Equal(40, split.Train.Count(i => i.Label == c));
            Assert.Equal(20, split.Validation.Count(i => i.Label == c));
            Assert.Equal(20, split.Test.Count(i => i.Label == c));
        }
        var all = split.Train.Concat(split.Validation).Concat(split.Test).Select(i => i.Source).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    [Theory]
    [InlineData("40/20/20", 40, 20, 20)]
    [InlineData("0.8/0.2/0", 64, 16, 0)]
    [InlineData("10,5,5", 10, 5, 5)]
    [InlineData("0.5/0.25/0.25", 40, 20, 20)]
    public void Split_spec_parses_counts_and_fractions(string text, int train, int val, int test)
    {
        var counts = SplitSpec.Parse(text).CountsFor(80, "x");

        Assert.Equal((train, val, test), counts);
    }

    [Theory]
    [InlineData("40/20", "2 part")]
    [InlineData("a/b/c", "not a non-negative number")]
    [InlineData("0.7/0.3/0.2", "more than 1")]
    [InlineData("0/10/10", "no training")]
    [InlineData("-1/1/1", "not a non-negative number")]
    public void Bad_split_specs_say_what_is_expected(string text, string expected)
    {
        var error = Assert.Throws<AppException>(() => SplitSpec.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Counts_larger_than_a_class_are_refused_naming_the_class()
    {
        var error = Assert.Throws<AppException>(() => DataSplit.Create(Items(2, 30), ["small", "other"], SplitSpec.Parse("40/20/20"), 1));

        Assert.Contains("'small' has 30", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Same_seed_same_split_other_seed_other_split()
    {
        var items = Items(5, 40);
        string[] names = ["a", "b", "c", "d", "e"];

        var a = DataSplit.Create(items, names, SplitSpec.Default, 7);
        var b = DataSplit.Create(items, names, SplitSpec.Default, 7);
        var c = DataSplit.Create(items, names, SplitSpec.Default, 8);

        Assert.Equal(a.Train, b.Train);
        Assert.Equal(a.Validation, b.Validation);
        Assert.Equal(a.Test, b.Test);
        Assert.NotEqual(a.Train, c.Train);
    }

    [Fact]
    public void Permutation_is_a_permutation_and_depends_on_the_epoch()
    {
        int[] first = RandomStream.Permutation(1000, 42, RandomStream.Purpose.Order, 0);
        int[] again = RandomStream.Permutation(1000, 42, RandomStream.Purpose.Order, 0);
        int[] next = RandomStream.Permutation(1000, 42, RandomStream.Purpose.Order, 1);

        Assert.Equal(Enumerable.Range(0, 1000), first.Order());
        Assert.Equal(first, again);
        Assert.NotEqual(first, next);
    }
}
