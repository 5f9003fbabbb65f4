using System.Globalization;

namespace AlexNet.Training.Data;

/// <summary>
/// The constants that turn stored images into network inputs, measured once on the training set
/// and saved in every checkpoint so evaluation and prediction see exactly what training saw:
/// <list type="bullet">
/// <item>the stored square's side and the network's input (crop) side;</item>
/// <item>the per-channel mean, subtracted from every pixel;</item>
/// <item>the per-channel scale the centred pixels are multiplied by: 1 for the paper's networks, whose
/// N(0, 0.01) initialization was tuned for inputs on the 0…255 scale (as in the paper and Caffe), and
/// 1/std for the variants initialized for unit-variance inputs (He, Glorot, PyTorch's defaults);</item>
/// <item>the eigenvalues and eigenvectors of the 3×3 covariance of the training pixels' RGB values on the
/// 0…1 scale, for the paper's PCA colour augmentation (section 4.1).</item>
/// </list>
/// </summary>
public sealed record Preprocessing(int StoredSize, int CropSize, double[] Mean, double[] Scale, double[] PcaEigenvalues, double[] PcaEigenvectors)
{
    /// <summary>
    /// Measures the mean, the standard deviation and the RGB covariance's eigen-decomposition over every
    /// pixel of <paramref name="train"/>; <paramref name="standardize"/> picks the 1/std scale over 1.
    /// </summary>
    public static Preprocessing Measure(ImageSet train, int cropSize, bool standardize)
    {
        ArgumentNullException.ThrowIfNull(train);
        return Measure(train, train.Size, cropSize, standardize);
    }

    /// <summary>
    /// As above, for a network whose crops are taken from squares of <paramref name="storedSize"/>: the
    /// stored squares' side, or, for whole images stored by their shorter side, the side the evaluation
    /// resizes that shorter side to before its centre crop (<see cref="Augmentation.OnShortSide"/>).
    /// </summary>
    public static Preprocessing Measure(ImageSet train, int storedSize, int cropSize, bool standardize)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0)
        {
            throw new AppException("The training set is empty: no image could be read, so there is nothing to learn from.");
        }
        if (cropSize > storedSize)
        {
            throw new ArgumentOutOfRangeException(nameof(cropSize), $"A crop of {cropSize} does not fit in stored images of {storedSize}.");
        }
        // Sums per image in integers (exact), then across images in double.
        var sum = new double[3];
        var products = new double[6]; // rr, rg, rb, gg, gb, bb
        long pixelCount = 0;
        for (int i = 0; i < train.Count; i++)
        {
            var pixels = train.Pixels(i);
            pixelCount += pixels.Length / 3;
            long r = 0, g = 0, b = 0, rr = 0, rg = 0, rb = 0, gg = 0, gb = 0, bb = 0;
            for (int p = 0; p < pixels.Length; p += 3)
            {
                int pr = pixels[p], pg = pixels[p + 1], pb = pixels[p + 2];
                r += pr; g += pg; b += pb;
                rr += pr * pr; rg += pr * pg; rb += pr * pb; gg += pg * pg; gb += pg * pb; bb += pb * pb;
            }
            sum[0] += r; sum[1] += g; sum[2] += b;
            products[0] += rr; products[1] += rg; products[2] += rb; products[3] += gg; products[4] += gb; products[5] += bb;
        }
        double count = pixelCount;
        var mean = sum.Select(s => s / count).ToArray();
        // Covariance of the 0…1-scaled values: (E[xy] − E[x]E[y]) / 255².
        double Cov(int k, int a, int b) => ((products[k] / count) - (mean[a] * mean[b])) / (255.0 * 255.0);
        var covariance = new double[,]
        {
            { Cov(0, 0, 0), Cov(1, 0, 1), Cov(2, 0, 2) },
            { Cov(1, 0, 1), Cov(3, 1, 1), Cov(4, 1, 2) },
            { Cov(2, 0, 2), Cov(4, 1, 2), Cov(5, 2, 2) },
        };
        var (values, vectors) = SymmetricEigen.Decompose3(covariance);
        var scale = new double[3];
        for (int c = 0; c < 3; c++)
        {
            double std = 255.0 * Math.Sqrt(Math.Max(covariance[c, c], 0));
            scale[c] = standardize && std > 1e-6 ? 1 / std : 1;
        }
        return new Preprocessing(storedSize, cropSize, mean, scale, values, vectors);
    }

    /// <summary>
    /// The per-channel colour shift the paper adds to every pixel of one image:
    /// [p1 p2 p3]·[α1λ1, α2λ2, α3λ3]ᵀ on the 0…1 scale, returned on the 0…255 scale of the inputs.
    /// </summary>
    public (float R, float G, float B) ColourShift(double alpha0, double alpha1, double alpha2)
    {
        Span<double> scaled = [alpha0 * PcaEigenvalues[0], alpha1 * PcaEigenvalues[1], alpha2 * PcaEigenvalues[2]];
        Span<double> shift = stackalloc double[3];
        for (int channel = 0; channel < 3; channel++)
        {
            // Eigenvector k is column k of the row-major 3×3 matrix.
            shift[channel] = 255.0 * ((PcaEigenvectors[(channel * 3) + 0] * scaled[0]) + (PcaEigenvectors[(channel * 3) + 1] * scaled[1]) + (PcaEigenvectors[(channel * 3) + 2] * scaled[2]));
        }
        return ((float)shift[0], (float)shift[1], (float)shift[2]);
    }

    /// <summary>A one-line description: <c>stored 256, crop 227, mean R 112.3 G 108.9 B 80.1, scale 1, PCA λ 0.0712 0.0061 0.0017</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"stored {StoredSize}, crop {CropSize}, mean R {Mean[0]:0.0} G {Mean[1]:0.0} B {Mean[2]:0.0}, scale {(Scale.All(s => s == 1) ? "1 (0-255 inputs)" : $"1/std ({1 / Scale[0]:0.0} {1 / Scale[1]:0.0} {1 / Scale[2]:0.0})")}, PCA λ {PcaEigenvalues[0]:0.####} {PcaEigenvalues[1]:0.####} {PcaEigenvalues[2]:0.####}");
}
