namespace AlexNet.Training.Data;

/// <summary>One example of a data set: where its image comes from (a file path, or a synthetic image's name) and its class index.</summary>
public readonly record struct DataItem(string Source, int Label);
