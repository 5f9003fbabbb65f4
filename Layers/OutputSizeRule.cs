using System.Globalization;

namespace AlexNet.Layers;

/// <summary>
/// Writes out the output-size rule of convolutions and pooling, (W − F + 2P)/S + 1 rounded down, with
/// a layer's numbers, so a learner can check each size of the network by hand.
/// </summary>
internal static class OutputSizeRule
{
    /// <summary>
    /// <c>(227 - 11 + 2*0)/4 + 1 = 55</c>, or, where the division is not exact,
    /// <c>(224 - 11 + 2*2)/4 + 1 = floor(54.25) + 1 = 55</c>.
    /// </summary>
    public static string Format(int input, int kernel, int padding, int stride, int output)
    {
        int span = input - kernel + (2 * padding);
        string rule = $"({input} - {kernel} + 2*{padding})/{stride} + 1";
        if (span % stride == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{rule} = {output}");
        }
        return string.Create(CultureInfo.InvariantCulture, $"{rule} = floor({(double)span / stride:0.##}) + 1 = {output}");
    }

    /// <summary>The rule for a square input, or for both axes when height and width differ.</summary>
    public static string Format(int inputHeight, int inputWidth, int kernel, int padding, int stride, int outputHeight, int outputWidth)
    {
        string height = Format(inputHeight, kernel, padding, stride, outputHeight);
        return inputHeight == inputWidth ? height : $"H {height}; W {Format(inputWidth, kernel, padding, stride, outputWidth)}";
    }
}
