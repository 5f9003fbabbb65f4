namespace AlexNet.Tests.Reference;

public static partial class ReferenceOps
{
    /// <summary>The paper's update: v ← momentum·v − weightDecay·lr·w − lr·g; w ← w + v. Returns the new (velocity, parameter).</summary>
    public static (double[] Velocity, double[] Parameter) SgdMomentum(double[] gradient, double learningRate, double momentum, double weightDecay,
        double[] velocity, double[] parameter)
    {
        var v = new double[parameter.Length];
        var w = new double[parameter.Length];
        for (int i = 0; i < w.Length; i++)
        {
            v[i] = (momentum * velocity[i]) - (weightDecay * learningRate * parameter[i]) - (learningRate * gradient[i]);
            w[i] = parameter[i] + v[i];
        }
        return (v, w);
    }

    /// <summary>
    /// Adam: m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; w ← w − lr·m̂/(√v̂ + ε), m̂ = m/(1−β1^t), v̂ = v/(1−β2^t).
    /// Returns the new (m, v, parameter).
    /// </summary>
    public static (double[] M, double[] V, double[] Parameter) Adam(double[] gradient, double learningRate, double beta1, double beta2, double epsilon,
        int step, double[] m, double[] v, double[] parameter)
    {
        var newM = new double[parameter.Length];
        var newV = new double[parameter.Length];
        var w = new double[parameter.Length];
        for (int i = 0; i < w.Length; i++)
        {
            newM[i] = (beta1 * m[i]) + ((1 - beta1) * gradient[i]);
            newV[i] = (beta2 * v[i]) + ((1 - beta2) * gradient[i] * gradient[i]);
            double mHat = newM[i] / (1 - Math.Pow(beta1, step));
            double vHat = newV[i] / (1 - Math.Pow(beta2, step));
            w[i] = parameter[i] - (learningRate * mHat / (Math.Sqrt(vHat) + epsilon));
        }
        return (newM, newV, w);
    }
}
