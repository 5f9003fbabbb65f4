namespace AlexNet.Tests.Reference;

public static partial class ReferenceOps
{
    /// <summary>x[n, c, h, w] when (h, w) lies inside the image, else 0 (the padding).</summary>
    private static double Pixel(double[] x, int channels, int height, int width, int n, int c, int h, int w) =>
        h < 0 || h >= height || w < 0 || w >= width ? 0 : x[(((((n * channels) + c) * height) + h) * width) + w];

    /// <summary>columns[n, (c·KH + i)·KW + j, oh·OW + ow] = x[n, c, oh·S − P + i, ow·S − P + j], 0 in the padding.</summary>
    public static double[] Im2Col(double[] x, ConvolutionShape s)
    {
        int rows = s.C * s.KH * s.KW, pixels = s.OH * s.OW;
        var columns = new double[s.N * rows * pixels];
        for (int n = 0; n < s.N; n++)
        {
            for (int c = 0; c < s.C; c++)
            {
                for (int i = 0; i < s.KH; i++)
                {
                    for (int j = 0; j < s.KW; j++)
                    {
                        int row = (((c * s.KH) + i) * s.KW) + j;
                        for (int oh = 0; oh < s.OH; oh++)
                        {
                            for (int ow = 0; ow < s.OW; ow++)
                            {
                                columns[(((n * rows) + row) * pixels) + (oh * s.OW) + ow] =
                                    Pixel(x, s.C, s.H, s.W, n, c, (oh * s.Stride) - s.Padding + i, (ow * s.Stride) - s.Padding + j);
                            }
                        }
                    }
                }
            }
        }
        return columns;
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: every column entry added back to the pixel it came from (padding entries dropped).</summary>
    public static double[] Col2Im(double[] columns, ConvolutionShape s)
    {
        int rows = s.C * s.KH * s.KW, pixels = s.OH * s.OW;
        var x = new double[s.XLength];
        for (int n = 0; n < s.N; n++)
        {
            for (int c = 0; c < s.C; c++)
            {
                for (int i = 0; i < s.KH; i++)
                {
                    for (int j = 0; j < s.KW; j++)
                    {
                        int row = (((c * s.KH) + i) * s.KW) + j;
                        for (int oh = 0; oh < s.OH; oh++)
                        {
                            for (int ow = 0; ow < s.OW; ow++)
                            {
                                int h = (oh * s.Stride) - s.Padding + i, w = (ow * s.Stride) - s.Padding + j;
                                if (h >= 0 && h < s.H && w >= 0 && w < s.W)
                                {
                                    x[(((((n * s.C) + c) * s.H) + h) * s.W) + w] += columns[(((n * rows) + row) * pixels) + (oh * s.OW) + ow];
                                }
                            }
                        }
                    }
                }
            }
        }
        return x;
    }

    /// <summary>
    /// y[n, o, oh, ow] = bias[o] + Σ_{c, i, j} weight[o, c, i, j] · x[n, g·C/G + c, oh·S − P + i, ow·S − P + j],
    /// g = o's group: the definition, as seven nested loops.
    /// </summary>
    public static double[] Conv2dForward(double[] x, double[] weight, double[]? bias, ConvolutionShape s)
    {
        var y = new double[s.YLength];
        for (int n = 0; n < s.N; n++)
        {
            for (int o = 0; o < s.O; o++)
            {
                int group = o / s.FiltersPerGroup;
                for (int oh = 0; oh < s.OH; oh++)
                {
                    for (int ow = 0; ow < s.OW; ow++)
                    {
                        double sum = bias?[o] ?? 0;
                        for (int c = 0; c < s.ChannelsPerGroup; c++)
                        {
                            for (int i = 0; i < s.KH; i++)
                            {
                                for (int j = 0; j < s.KW; j++)
                                {
                                    sum += weight[(((((o * s.ChannelsPerGroup) + c) * s.KH) + i) * s.KW) + j]
                                        * Pixel(x, s.C, s.H, s.W, n, (group * s.ChannelsPerGroup) + c, (oh * s.Stride) - s.Padding + i, (ow * s.Stride) - s.Padding + j);
                                }
                            }
                        }
                        y[(((((n * s.O) + o) * s.OH) + oh) * s.OW) + ow] = sum;
                    }
                }
            }
        }
        return y;
    }

    /// <summary>dx: every product weight·x of the forward, run backwards — dx[pixel] += weight · dy[output] for each pair that met.</summary>
    public static double[] Conv2dBackwardData(double[] dy, double[] weight, ConvolutionShape s)
    {
        var dx = new double[s.XLength];
        ForEachConvolutionTerm(s, (yIndex, weightIndex, xIndex) => dx[xIndex] += weight[weightIndex] * dy[yIndex]);
        return dx;
    }

    /// <summary>dWeight (fresh, not accumulated): dWeight[w] = Σ over every use of weight w of x · dy.</summary>
    public static double[] Conv2dBackwardFilter(double[] x, double[] dy, ConvolutionShape s)
    {
        var dWeight = new double[s.WeightLength];
        ForEachConvolutionTerm(s, (yIndex, weightIndex, xIndex) => dWeight[weightIndex] += x[xIndex] * dy[yIndex]);
        return dWeight;
    }

    /// <summary>dBias (fresh): dy summed over N, OH, OW.</summary>
    public static double[] Conv2dBackwardBias(double[] dy, int n, int o, int pixels)
    {
        var dBias = new double[o];
        for (int image = 0; image < n; image++)
        {
            for (int filter = 0; filter < o; filter++)
            {
                for (int p = 0; p < pixels; p++)
                {
                    dBias[filter] += dy[(((image * o) + filter) * pixels) + p];
                }
            }
        }
        return dBias;
    }

    /// <summary>Calls <paramref name="term"/>(y index, weight index, x index) for every product of the forward sum that touches a real (non-padding) pixel.</summary>
    private static void ForEachConvolutionTerm(ConvolutionShape s, Action<int, int, int> term)
    {
        for (int n = 0; n < s.N; n++)
        {
            for (int o = 0; o < s.O; o++)
            {
                int group = o / s.FiltersPerGroup;
                for (int oh = 0; oh < s.OH; oh++)
                {
                    for (int ow = 0; ow < s.OW; ow++)
                    {
                        int yIndex = (((((n * s.O) + o) * s.OH) + oh) * s.OW) + ow;
                        for (int c = 0; c < s.ChannelsPerGroup; c++)
                        {
                            for (int i = 0; i < s.KH; i++)
                            {
                                for (int j = 0; j < s.KW; j++)
                                {
                                    int h = (oh * s.Stride) - s.Padding + i, w = (ow * s.Stride) - s.Padding + j;
                                    if (h < 0 || h >= s.H || w < 0 || w >= s.W)
                                    {
                                        continue;
                                    }
                                    int weightIndex = (((((o * s.ChannelsPerGroup) + c) * s.KH) + i) * s.KW) + j;
                                    int xIndex = (((((n * s.C) + (group * s.ChannelsPerGroup) + c) * s.H) + h) * s.W) + w;
                                    term(yIndex, weightIndex, xIndex);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
