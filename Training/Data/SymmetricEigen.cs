namespace AlexNet.Training.Data;

/// <summary>Eigen-decomposition of a symmetric 3×3 matrix by cyclic Jacobi rotations (exact enough after a few sweeps, and easy to follow).</summary>
public static class SymmetricEigen
{
    /// <summary>
    /// The eigenvalues, largest first, and the eigenvectors as the columns of a row-major 3×3
    /// matrix (unit length; each with a non-negative largest component, so the result is unique).
    /// </summary>
    public static (double[] Values, double[] Vectors) Decompose3(double[,] symmetric)
    {
        ArgumentNullException.ThrowIfNull(symmetric);
        var a = (double[,])symmetric.Clone();
        var v = new double[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } };
        for (int sweep = 0; sweep < 50; sweep++)
        {
            double offDiagonal = Math.Abs(a[0, 1]) + Math.Abs(a[0, 2]) + Math.Abs(a[1, 2]);
            if (offDiagonal < 1e-300)
            {
                break;
            }
            foreach (var (p, q) in new[] { (0, 1), (0, 2), (1, 2) })
            {
                if (a[p, q] == 0)
                {
                    continue;
                }
                // The rotation that zeroes a[p, q] (Golub & Van Loan, algorithm 8.4.1).
                double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
                double c = 1 / Math.Sqrt((t * t) + 1), s = t * c;
                for (int k = 0; k < 3; k++)
                {
                    double akp = a[k, p], akq = a[k, q];
                    a[k, p] = (c * akp) - (s * akq);
                    a[k, q] = (s * akp) + (c * akq);
                }
                for (int k = 0; k < 3; k++)
                {
                    double apk = a[p, k], aqk = a[q, k];
                    a[p, k] = (c * apk) - (s * aqk);
                    a[q, k] = (s * apk) + (c * aqk);
                }
                for (int k = 0; k < 3; k++)
                {
                    double vkp = v[k, p], vkq = v[k, q];
                    v[k, p] = (c * vkp) - (s * vkq);
                    v[k, q] = (s * vkp) + (c * vkq);
                }
            }
        }
        int[] order = [.. Enumerable.Range(0, 3).OrderByDescending(i => a[i, i])];
        var values = order.Select(i => a[i, i]).ToArray();
        var vectors = new double[9];
        for (int column = 0; column < 3; column++)
        {
            int source = order[column];
            int largest = Enumerable.Range(0, 3).MaxBy(k => Math.Abs(v[k, source]));
            double sign = v[largest, source] < 0 ? -1 : 1;
            for (int row = 0; row < 3; row++)
            {
                vectors[(row * 3) + column] = sign * v[row, source];
            }
        }
        return (values, vectors);
    }
}
