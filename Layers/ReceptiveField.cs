using System.Globalization;

namespace AlexNet.Layers;

/// <summary>
/// How many input pixels, along one axis, a value of a layer's output depends on. A window of F
/// positions over a map whose neighbouring positions lie J input pixels apart (J: the product of
/// the strides before it) widens the field by (F − 1)·J: r ← r + (F − 1)·J, then J ← J·S
/// (Araujo, Norris &amp; Sim, "Computing receptive fields of convolutional neural networks", 2019).
/// Padding moves the field but does not change its size.
/// </summary>
/// <param name="Size">r: input pixels seen along one axis</param>
/// <param name="Jump">J: input pixels between neighbouring output positions</param>
public readonly record struct ReceptiveField(int Size, int Jump)
{
    /// <summary>One input pixel sees itself.</summary>
    public static ReceptiveField Pixel => new(1, 1);

    /// <summary>The field after <paramref name="window"/>.</summary>
    public ReceptiveField Through(SlidingWindow window) => new(Size + ((window.Size - 1) * Jump), Jump * window.Stride);

    /// <summary><c>19 + (5-1)*8 = 51</c>: the rule with the numbers of <paramref name="window"/>.</summary>
    public string Arithmetic(SlidingWindow window) =>
        string.Create(CultureInfo.InvariantCulture, $"{Size} + ({window.Size}-1)*{Jump} = {Through(window).Size}");
}
