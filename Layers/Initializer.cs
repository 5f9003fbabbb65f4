namespace AlexNet.Layers;

/// <summary>
/// How a parameter's starting values are drawn. Each variant names its scheme per layer: the paper's
/// N(0, 0.01) with biases of 0 or 1, PyTorch's default for torchvision, Glorot for the Keras network.
/// Numbers come from <see cref="HostRandom"/>, so a seed fixes them on every backend.
/// </summary>
public abstract record Initializer
{
    /// <summary>Every value zero.</summary>
    public static Initializer Zeros { get; } = new ConstantInitializer(0f);

    /// <summary>Every value one (batch norm's γ).</summary>
    public static Initializer Ones { get; } = new ConstantInitializer(1f);

    /// <summary>
    /// PyTorch's default for <c>Conv2d</c> and <c>Linear</c>, weights and biases alike: uniform in
    /// ±1/√fan_in (for weights this is <c>kaiming_uniform_(a=√5)</c>: gain √(2/(1+5)) times √(3/fan_in)).
    /// </summary>
    public static Initializer PyTorchDefault { get; } = new FanInUniformInitializer();

    /// <summary>
    /// Keras' default for <c>Conv2D</c> and <c>Dense</c> kernels (Glorot &amp; Bengio 2010): uniform in
    /// ±√(6/(fan_in + fan_out)), with a convolution's fans multiplied by its kernel area.
    /// </summary>
    public static Initializer GlorotUniform { get; } = new GlorotUniformInitializer();

    /// <summary>He et al. 2015 for ReLU networks: normal with standard deviation √(2/fan_in).</summary>
    public static Initializer HeNormal { get; } = new HeNormalInitializer();

    /// <summary>Every value <paramref name="value"/> (the paper's biases of 1).</summary>
    public static Initializer Constant(float value) => new ConstantInitializer(value);

    /// <summary>Normal with mean 0 and standard deviation <paramref name="std"/> (the paper's 0.01).</summary>
    public static Initializer Normal(float std) => new NormalInitializer(std);

    /// <summary>Uniform in [−bound, bound).</summary>
    public static Initializer Uniform(float bound) => new UniformInitializer(bound);

    /// <summary>Fills <paramref name="values"/> with starting values for a parameter with these fans.</summary>
    /// <param name="values">the parameter's values, row-major</param>
    /// <param name="fanIn">inputs feeding one output unit</param>
    /// <param name="fanOut">outputs one input unit feeds</param>
    /// <param name="seed">the model's seed</param>
    /// <param name="stream">the parameter's stream (<see cref="HostRandom.StreamOf"/> of its name)</param>
    public abstract void Fill(Memory<float> values, int fanIn, int fanOut, ulong seed, ulong stream);

    private sealed record ConstantInitializer(float Value) : Initializer
    {
        public override void Fill(Memory<float> values, int fanIn, int fanOut, ulong seed, ulong stream) => values.Span.Fill(Value);

        public override string ToString() => FormattableString.Invariant($"constant {Value}");
    }

    private sealed record NormalInitializer(float Std) : Initializer
    {
        public override void Fill(Memory<float> values, int fanIn, int fanOut, ulong seed, ulong stream) =>
            HostRandom.FillNormal(values, 0f, Std, seed, stream);

        public override string ToString() => FormattableString.Invariant($"N(0, {Std})");
    }

    private sealed record UniformInitializer(float Bound) : Initializer
    {
        public override void Fill(Memory<float> values, int fanIn, int fanOut, ulong seed, ulong stream) =>
            HostRandom.FillUniform(values, -Bound, Bound, seed, stream);

        public override string ToString() => FormattableString.Invariant($"U(-{Bound}, {Bound})");
    }

    private sealed record FanInUniformInitializer : Initializer
    {
        public override void Fill(Memory<float> values, int fanIn, int fanOut, ulong seed, ulong stream)
        {
            float bound = 1f / MathF.Sqrt(fanIn);
            HostRandom.FillUniform(values, -bound, bound, seed, stream);
        }

        public override string ToString() => "U(+-1/sqrt(fan_in)) (PyTorch default)";
    }

    private sealed record GlorotUniformInitializer : Initializer
    {
        public override void Fill(Memory<float> values, int fanIn, int fanOut, ulong seed, ulong stream)
        {
            float bound = MathF.Sqrt(6f / (fanIn + fanOut));
            HostRandom.FillUniform(values, -bound, bound, seed, stream);
        }

        public override string ToString() => "Glorot uniform";
    }

    private sealed record HeNormalInitializer : Initializer
    {
        public override void Fill(Memory<float> values, int fanIn, int fanOut, ulong seed, ulong stream) =>
            HostRandom.FillNormal(values, 0f, MathF.Sqrt(2f / fanIn), seed, stream);

        public override string ToString() => "He normal";
    }
}
