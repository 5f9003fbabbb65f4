namespace AlexNet.Training.Explorer;

/// <summary>Everything the explorer page shows for one image, as the JSON its script reads.</summary>
/// <param name="Title">the image and the model, e.g. "image_0001.jpg through alexnet"</param>
/// <param name="Model">the model's name</param>
/// <param name="Checkpoint">the checkpoint file</param>
/// <param name="Input">the preprocessed crop the network saw, PNG base64</param>
/// <param name="InputShape">its shape, e.g. [1, 3, 227, 227]</param>
/// <param name="Layers">every layer, in order</param>
/// <param name="Top">the most likely classes, most likely first</param>
/// <param name="Softmax">the note of the softmax that turns the scores into probabilities</param>
/// <param name="Saliency">for each class of <paramref name="Top"/>: the gradient map of its score, or empty when the model cannot be differentiated back to its input here</param>
public sealed record ExplorerData(
    string Title,
    string Model,
    string Checkpoint,
    string Input,
    string InputShape,
    IReadOnlyList<ExploredLayer> Layers,
    IReadOnlyList<ClassScore> Top,
    NoteLinks Softmax,
    IReadOnlyList<SaliencyMap> Saliency);

/// <summary>One layer for one image.</summary>
/// <param name="Index">1-based position in the model</param>
/// <param name="Name">e.g. conv1</param>
/// <param name="Description">type and settings, e.g. Conv2d 3->96 11x11 /4</param>
/// <param name="InputShape">what it received</param>
/// <param name="OutputShape">what it gave</param>
/// <param name="Parameters">trainable scalars</param>
/// <param name="MultiplyAccumulates">per image</param>
/// <param name="SizeArithmetic">the (W − F + 2P)/S + 1 rule with its numbers, or null</param>
/// <param name="Note">formula and links</param>
/// <param name="PassesThrough">the output is the input's values unchanged (inference dropout, flatten): no maps are drawn</param>
/// <param name="Maps">the output's feature maps, or null when it passes its input through</param>
public sealed record ExploredLayer(
    int Index,
    string Name,
    string Description,
    string InputShape,
    string OutputShape,
    long Parameters,
    long MultiplyAccumulates,
    string? SizeArithmetic,
    NoteLinks Note,
    bool PassesThrough,
    FeatureMaps? Maps);

/// <summary>A layer's formula and its links, resolved for this machine.</summary>
/// <param name="Formula">plain text in the paper's notation</param>
/// <param name="Links">(label, path in the repository, file address or "" where the source tree is not on this machine): the doc page, the reference code, the layer's file</param>
public sealed record NoteLinks(string Formula, IReadOnlyList<string[]> Links);

/// <summary>
/// A layer's output as <paramref name="Count"/> maps of <paramref name="Height"/>×<paramref name="Width"/>
/// values, each quantized to bytes over its own range: value = Min[m] + byte / 255 · (Max[m] − Min[m]).
/// A vector (a dense layer's output) is one map, Vector true, of Width values.
/// </summary>
public sealed record FeatureMaps(int Count, int Height, int Width, bool Vector, float[] Min, float[] Max, string Bytes);

/// <summary>A class and its softmax probability.</summary>
public sealed record ClassScore(int Class, string Name, double Probability);

/// <summary>
/// |∂score/∂input| for one class (Simonyan et al. 2014): the largest of the three channels' gradients at each
/// pixel, stretched so the largest is 255, as a PNG whose alpha is that value (laid over the input).
/// </summary>
/// <param name="Class">the class index</param>
/// <param name="Name">its name</param>
/// <param name="MaxGradient">the largest |gradient| before stretching</param>
/// <param name="Png">the overlay, base64</param>
public sealed record SaliencyMap(int Class, string Name, double MaxGradient, string Png);
