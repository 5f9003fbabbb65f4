namespace AlexNet.Layers.Variants;

/// <summary>Every AlexNet variant, looked up by the name the command line uses.</summary>
public static class ModelVariants
{
    /// <summary>All variants, the paper's first.</summary>
    public static IReadOnlyList<ModelVariant> All { get; } =
        [AlexNetPaper.Variant, CaffeNet.Variant, TorchVision.Variant, KerasBlog.Variant, Mini.Variant];

    /// <summary>Their names: alexnet, caffenet, torchvision, keras-blog, mini.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(variant => variant.Name)];

    /// <summary>The variant called <paramref name="name"/> (case-insensitive); throws listing the valid names otherwise.</summary>
    public static ModelVariant Get(string name) =>
        All.FirstOrDefault(variant => string.Equals(variant.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown model '{name}'; choose one of {string.Join(", ", Names)}.", nameof(name));
}
