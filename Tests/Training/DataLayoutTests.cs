using AlexNet.Training;
using AlexNet.Training.Data;

namespace AlexNet.Tests.Training;

/// <summary>The layouts <c>--data</c> accepts besides Oxford 17: train/val/test folders, a class list, nested subfolders.</summary>
public sealed class DataLayoutTests
{
    [Fact]
    public void Train_val_and_test_folders_are_used_as_given_with_the_class_lists_order_and_names()
    {
        using var folder = TestFiles.NewFolder();
        TestFiles.WriteImage(folder.Combine("train", "n02", "a.png"), 10, 10, 1);
        TestFiles.WriteImage(folder.Combine("train", "n02", "deeper", "b.png"), 10, 10, 2);
        TestFiles.WriteImage(folder.Combine("train", "n01", "c.png"), 10, 10, 3);
        TestFiles.WriteImage(folder.Combine("val", "n01", "d.png"), 10, 10, 4);
        TestFiles.WriteImage(folder.Combine("val", "n02", "e.png"), 10, 10, 5);
        TestFiles.WriteImage(folder.Combine("test", "n01", "f.png"), 10, 10, 6);
        TestFiles.WriteImage(folder.Combine("test", "n02", "g.png"), 10, 10, 7);
        File.WriteAllText(folder.Combine("classes.txt"), "# label order\nn02 goldfish, Carassius auratus\nn01 tench\n");

        var catalog = DataCatalog.FromFolder(folder.Path);
        var split = Assert.IsType<DataSplit>(catalog.GivenSplit);

        Assert.Equal(["goldfish, Carassius auratus", "tench"], catalog.ClassNames);
        Assert.Equal(["a.png", "b.png", "c.png"], split.Train.Select(i => Path.GetFileName(i.Source)));
        Assert.Equal([0, 0, 1], split.Train.Select(i => i.Label));
        Assert.Equal(["e.png", "d.png"], split.Validation.Select(i => Path.GetFileName(i.Source)));
        Assert.Equal(["g.png", "f.png"], split.Test.Select(i => Path.GetFileName(i.Source)));
        Assert.Equal(7, catalog.Items.Count);
    }

    [Fact]
    public void Without_a_class_list_the_training_folders_names_give_the_order_and_test_is_optional()
    {
        using var folder = TestFiles.NewFolder();
        TestFiles.WriteImage(folder.Combine("train", "b", "1.png"), 10, 10, 1);
        TestFiles.WriteImage(folder.Combine("train", "a", "2.png"), 10, 10, 2);
        TestFiles.WriteImage(folder.Combine("val", "a", "3.png"), 10, 10, 3);
        TestFiles.WriteImage(folder.Combine("val", "b", "4.png"), 10, 10, 4);

        var catalog = DataCatalog.FromFolder(folder.Path);

        Assert.Equal(["a", "b"], catalog.ClassNames);
        Assert.Empty(catalog.GivenSplit!.Test);
    }

    [Fact]
    public void A_classes_file_fixes_the_labels_of_plain_class_folders_and_must_name_every_folder()
    {
        using var folder = TestFiles.NewFolder();
        TestFiles.WriteImage(folder.Combine("data", "cat", "1.png"), 10, 10, 1);
        TestFiles.WriteImage(folder.Combine("data", "dog", "2.png"), 10, 10, 2);
        TestFiles.WriteImage(folder.Combine("data", "dog", ".hidden", "3.png"), 10, 10, 3);
        File.WriteAllText(folder.Combine("order.txt"), "dog\ncat\n");
        File.WriteAllText(folder.Combine("short.txt"), "dog\nbird\n");

        var catalog = DataCatalog.FromFolder(folder.Combine("data"), folder.Combine("order.txt"));
        var error = Assert.Throws<AppException>(() => DataCatalog.FromFolder(folder.Combine("data"), folder.Combine("short.txt")));

        Assert.Null(catalog.GivenSplit);
        Assert.Equal(["dog", "cat"], catalog.ClassNames);
        Assert.Equal([("2.png", 0), ("1.png", 1)], catalog.Items.Select(i => (Path.GetFileName(i.Source), i.Label)));
        Assert.Contains("names 'bird', but", error.Message, StringComparison.Ordinal);
    }
}
