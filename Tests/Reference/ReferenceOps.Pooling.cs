namespace AlexNet.Tests.Reference;

public static partial class ReferenceOps
{
    /// <summary>y = the largest real pixel of each window (padding never wins).</summary>
    public static double[] MaxPool2dForward(double[] x, PoolingShape s)
    {
        var y = new double[s.YLength];
        for (int plane = 0; plane < s.N * s.C; plane++)
        {
            for (int oh = 0; oh < s.OH; oh++)
            {
                for (int ow = 0; ow < s.OW; ow++)
                {
                    y[(((plane * s.OH) + oh) * s.OW) + ow] = x[Winner(x, s, plane, oh, ow)];
                }
            }
        }
        return y;
    }

    /// <summary>dx: each dy added to its window's winner; the first maximum in row-major order wins ties.</summary>
    public static double[] MaxPool2dBackward(double[] x, double[] dy, PoolingShape s)
    {
        var dx = new double[s.XLength];
        for (int plane = 0; plane < s.N * s.C; plane++)
        {
            for (int oh = 0; oh < s.OH; oh++)
            {
                for (int ow = 0; ow < s.OW; ow++)
                {
                    dx[Winner(x, s, plane, oh, ow)] += dy[(((plane * s.OH) + oh) * s.OW) + ow];
                }
            }
        }
        return dx;
    }

    /// <summary>The flat index in x of the winner of window (oh, ow) in one plane, scanning rows then columns, keeping the first maximum.</summary>
    public static int Winner(double[] x, PoolingShape s, int plane, int oh, int ow)
    {
        int best = -1;
        for (int i = 0; i < s.Kernel; i++)
        {
            for (int j = 0; j < s.Kernel; j++)
            {
                int h = (oh * s.Stride) - s.Padding + i, w = (ow * s.Stride) - s.Padding + j;
                if (h < 0 || h >= s.H || w < 0 || w >= s.W)
                {
                    continue;
                }
                int index = (((plane * s.H) + h) * s.W) + w;
                if (best < 0 || x[index] > x[best])
                {
                    best = index;
                }
            }
        }
        return best;
    }
}
