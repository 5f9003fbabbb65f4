namespace AlexNet.Layers;

/// <summary>A square window of <paramref name="Size"/>×<paramref name="Size"/> positions moved <paramref name="Stride"/> at a time.</summary>
public readonly record struct SlidingWindow(int Size, int Stride);
