namespace AlexNet.Training.Data;

/// <summary>
/// A stratified, seeded division of a data set into training, validation and test examples: each
/// class is shuffled on its own (by the seed and the class index) and cut by the <see cref="SplitSpec"/>,
/// so every split holds the same share of every class and the same seed always gives the same split.
/// </summary>
public sealed record DataSplit(IReadOnlyList<DataItem> Train, IReadOnlyList<DataItem> Validation, IReadOnlyList<DataItem> Test)
{
    /// <summary>Splits <paramref name="items"/> (labels 0 … classNames.Count − 1) by <paramref name="spec"/> with <paramref name="seed"/>.</summary>
    public static DataSplit Create(IReadOnlyList<DataItem> items, IReadOnlyList<string> classNames, SplitSpec spec, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(spec);
        var train = new List<DataItem>();
        var validation = new List<DataItem>();
        var test = new List<DataItem>();
        for (int label = 0; label < classNames.Count; label++)
        {
            var members = items.Where(item => item.Label == label).ToList();
            if (members.Count == 0)
            {
                throw new AppException($"Class {label} ('{classNames[label]}') has no images; every class needs at least one.");
            }
            var (trainCount, valCount, testCount) = spec.CountsFor(members.Count, classNames[label]);
            int[] order = RandomStream.Permutation(members.Count, seed, RandomStream.Purpose.Split, (uint)label);
            for (int i = 0; i < trainCount + valCount + testCount; i++)
            {
                var destination = i < trainCount ? train : i < trainCount + valCount ? validation : test;
                destination.Add(members[order[i]]);
            }
        }
        return new DataSplit(train, validation, test);
    }
}
