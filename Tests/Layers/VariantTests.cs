using AlexNet.Layers;
using AlexNet.Layers.Variants;
using AlexNet.Tensors;

namespace AlexNet.Tests.Layers;

/// <summary>Parameter counts, MACs and output shapes of every variant, pinned to the published figures.</summary>
public class VariantTests
{
    [Theory]
    // The paper's network: 60,965,224 parameters with 1000 classes, the figure torchvision-era
    // tools print for the two-tower model (the paper says "60 million").
    [InlineData("alexnet", 1000, 60_965_224, 0, 724_406_816)]
    // With 17 classes only fc8 changes: 60,965,224 − (4096·1000 + 1000) + (4096·17 + 17) parameters, and 4096·983 fewer MACs.
    [InlineData("alexnet", 17, 56_937_873, 0, 720_380_448)]
    // CaffeNet moves pooling, which has no parameters and no MACs.
    [InlineData("caffenet", 1000, 60_965_224, 0, 724_406_816)]
    // torchvision.models.alexnet(): sum(p.numel() for p in m.parameters()) = 61,100,840; ~0.71 GMACs.
    [InlineData("torchvision", 1000, 61_100_840, 0, 714_188_480)]
    [InlineData("keras-blog", 17, 28_075_633, 21_136, 1_039_576_808)]
    [InlineData("mini", 17, 143_217, 0, 4_454_832)]
    public void Totals_match_the_published_and_hand_computed_figures(string name, int classes, long trainable, long nonTrainable, long macs)
    {
        var summary = VariantSummaries.Get(name, classes);
        Assert.Equal(trainable, summary.TrainableParameters);
        Assert.Equal(nonTrainable, summary.NonTrainableParameters);
        Assert.Equal(macs, summary.MultiplyAccumulates);
        Assert.Equal(classes, summary.Classes);
    }

    [Fact]
    public void The_keras_blog_network_has_the_parameter_count_its_Keras_code_gives()
    {
        // By hand from the layer list (Keras counts BatchNormalization's moving mean and variance as
        // non-trainable parameters; every BN layer holds 4·C: γ, β trainable, mean, variance not):
        //   conv1  96·(3·11·11) + 96       =     34,944     bn1  4·96   =    384
        //   conv2  256·(96·11·11) + 256    =  2,973,952     bn2  4·256  =  1,024
        //   conv3  384·(256·3·3) + 384     =    885,120     bn3  4·384  =  1,536
        //   conv4  384·(384·3·3) + 384     =  1,327,488     bn4  4·384  =  1,536
        //   conv5  256·(384·3·3) + 256     =    884,992     bn5  4·256  =  1,024
        //   dense1 256·4096 + 4096         =  1,052,672     bn6  4·4096 = 16,384   (Flatten: 256·1·1)
        //   dense2 4096·4096 + 4096        = 16,781,312     bn7  4·4096 = 16,384
        //   dense3 4096·1000 + 1000        =  4,097,000     bn8  4·1000 =  4,000
        //   dense4 1000·17 + 17            =     17,017
        //   convolutions and dense: 28,054,497; batch norm: 42,272 (21,136 trainable + 21,136 not)
        //   Total params 28,096,769 = trainable 28,075,633 + non-trainable 21,136.
        long convolutionsAndDense = 34_944 + 2_973_952 + 885_120 + 1_327_488 + 884_992 + 1_052_672 + 16_781_312 + 4_097_000 + 17_017;
        long batchNorm = 4 * (96 + 256 + 384 + 384 + 256 + 4096 + 4096 + 1000);
        Assert.Equal(28_054_497, convolutionsAndDense);
        Assert.Equal(42_272, batchNorm);

        var summary = VariantSummaries.Get("keras-blog", 17);
        Assert.Equal(28_096_769, summary.TotalParameters);
        Assert.Equal(convolutionsAndDense + batchNorm, summary.TotalParameters);
        Assert.Equal(batchNorm / 2, summary.NonTrainableParameters);
    }

    [Theory]
    [InlineData("alexnet", 1000, "conv1 [96, 55, 55]; relu1 [96, 55, 55]; norm1 [96, 55, 55]; pool1 [96, 27, 27]; conv2 [256, 27, 27]; relu2 [256, 27, 27]; norm2 [256, 27, 27]; pool2 [256, 13, 13]; conv3 [384, 13, 13]; relu3 [384, 13, 13]; conv4 [384, 13, 13]; relu4 [384, 13, 13]; conv5 [256, 13, 13]; relu5 [256, 13, 13]; pool5 [256, 6, 6]; flatten [9216]; fc6 [4096]; relu6 [4096]; drop6 [4096]; fc7 [4096]; relu7 [4096]; drop7 [4096]; fc8 [1000]")]
    [InlineData("caffenet", 1000, "conv1 [96, 55, 55]; relu1 [96, 55, 55]; pool1 [96, 27, 27]; norm1 [96, 27, 27]; conv2 [256, 27, 27]; relu2 [256, 27, 27]; pool2 [256, 13, 13]; norm2 [256, 13, 13]; conv3 [384, 13, 13]; relu3 [384, 13, 13]; conv4 [384, 13, 13]; relu4 [384, 13, 13]; conv5 [256, 13, 13]; relu5 [256, 13, 13]; pool5 [256, 6, 6]; flatten [9216]; fc6 [4096]; relu6 [4096]; drop6 [4096]; fc7 [4096]; relu7 [4096]; drop7 [4096]; fc8 [1000]")]
    [InlineData("torchvision", 1000, "conv1 [64, 55, 55]; relu1 [64, 55, 55]; pool1 [64, 27, 27]; conv2 [192, 27, 27]; relu2 [192, 27, 27]; pool2 [192, 13, 13]; conv3 [384, 13, 13]; relu3 [384, 13, 13]; conv4 [256, 13, 13]; relu4 [256, 13, 13]; conv5 [256, 13, 13]; relu5 [256, 13, 13]; pool5 [256, 6, 6]; flatten [9216]; drop6 [9216]; fc6 [4096]; relu6 [4096]; drop7 [4096]; fc7 [4096]; relu7 [4096]; fc8 [1000]")]
    [InlineData("keras-blog", 17, "conv1 [96, 54, 54]; relu1 [96, 54, 54]; pool1 [96, 27, 27]; bn1 [96, 27, 27]; conv2 [256, 17, 17]; relu2 [256, 17, 17]; pool2 [256, 8, 8]; bn2 [256, 8, 8]; conv3 [384, 6, 6]; relu3 [384, 6, 6]; bn3 [384, 6, 6]; conv4 [384, 4, 4]; relu4 [384, 4, 4]; bn4 [384, 4, 4]; conv5 [256, 2, 2]; relu5 [256, 2, 2]; pool5 [256, 1, 1]; bn5 [256, 1, 1]; flatten [256]; dense1 [4096]; relu6 [4096]; drop1 [4096]; bn6 [4096]; dense2 [4096]; relu7 [4096]; drop2 [4096]; bn7 [4096]; dense3 [1000]; relu8 [1000]; drop3 [1000]; bn8 [1000]; dense4 [17]")]
    [InlineData("mini", 17, "conv1 [16, 29, 29]; relu1 [16, 29, 29]; norm1 [16, 29, 29]; pool1 [16, 14, 14]; conv2 [32, 14, 14]; relu2 [32, 14, 14]; norm2 [32, 14, 14]; pool2 [32, 6, 6]; conv3 [48, 6, 6]; relu3 [48, 6, 6]; conv4 [48, 6, 6]; relu4 [48, 6, 6]; conv5 [32, 6, 6]; relu5 [32, 6, 6]; pool5 [32, 2, 2]; flatten [128]; fc6 [256]; relu6 [256]; drop6 [256]; fc7 [256]; relu7 [256]; drop7 [256]; fc8 [17]")]
    public void Every_layer_has_its_pinned_output_shape(string name, int classes, string expected)
    {
        var summary = VariantSummaries.Get(name, classes);
        string actual = string.Join("; ", summary.Layers.Select(layer => $"{layer.Name} [{string.Join(", ", layer.OutputShape.ToArray().Skip(1))}]"));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Every_variant_knows_its_input_shape()
    {
        Assert.Equal(["alexnet", "caffenet", "torchvision", "keras-blog", "mini"], ModelVariants.Names);
        Assert.Equal("[3, 227, 227]", ModelVariants.Get("alexnet").InputShape.ToString());
        Assert.Equal("[3, 227, 227]", ModelVariants.Get("caffenet").InputShape.ToString());
        Assert.Equal("[3, 224, 224]", ModelVariants.Get("torchvision").InputShape.ToString());
        Assert.Equal("[3, 224, 224]", ModelVariants.Get("keras-blog").InputShape.ToString());
        Assert.Equal("[3, 64, 64]", ModelVariants.Get("mini").InputShape.ToString());
    }

    [Fact]
    public void Names_are_looked_up_case_insensitively_and_unknown_names_list_the_valid_ones()
    {
        Assert.Same(KerasBlog.Variant, ModelVariants.Get("Keras-Blog"));
        var error = Assert.Throws<ArgumentException>(() => ModelVariants.Get("vgg16"));
        Assert.Contains("vgg16", error.Message, StringComparison.Ordinal);
        Assert.Contains("alexnet, caffenet, torchvision, keras-blog, mini", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_paper_initialization_uses_N_0_001_weights_and_unit_biases_in_conv2_conv4_conv5_fc6_fc7()
    {
        using var model = AlexNetPaper.Variant.Build(LayerTestData.Cpu, classes: 17, seed: 1);
        string[] oneBiases = ["conv2", "conv4", "conv5", "fc6", "fc7"];
        foreach (var parameter in model.Parameters)
        {
            var statistics = TensorStatistics.Of(parameter.Value.ToArray());
            if (parameter.Kind == ParameterKind.Bias)
            {
                float expected = oneBiases.Any(layer => parameter.Name == layer + ".bias") ? 1f : 0f;
                Assert.Equal((expected, expected), (statistics.Min, statistics.Max));
            }
            else
            {
                // conv1 has the fewest weights, 34,848: the sample mean's standard error is 5e-5.
                Assert.InRange(statistics.Mean, -3e-4, 3e-4);
                Assert.InRange(statistics.Std, 0.0098, 0.0102);
            }
        }
    }

    [Theory]
    [InlineData("alexnet")]
    [InlineData("caffenet")]
    public void The_caffe_initialization_starts_positive_biases_at_0_1_and_fc6_fc7_at_N_0_0005(string name)
    {
        var variant = ModelVariants.Get(name);
        Assert.Equal(["paper", "caffe"], variant.Initializations);
        using var model = variant.Build(LayerTestData.Cpu, classes: 17, seed: 1, initialization: "caffe");
        string[] positiveBiases = ["conv2", "conv4", "conv5", "fc6", "fc7"];
        foreach (var parameter in model.Parameters)
        {
            var statistics = TensorStatistics.Of(parameter.Value.ToArray());
            string layer = parameter.Name.Split('.')[0];
            if (parameter.Kind == ParameterKind.Bias)
            {
                float expected = positiveBiases.Contains(layer) ? 0.1f : 0f;
                Assert.Equal((expected, expected), (statistics.Min, statistics.Max));
            }
            else
            {
                double std = layer is "fc6" or "fc7" ? 0.005 : 0.01;
                Assert.InRange(statistics.Std, 0.98 * std, 1.02 * std);
            }
        }
    }

    [Fact]
    public void An_initialization_a_variant_lacks_is_refused_naming_the_ones_it_has()
    {
        Assert.Equal(["he"], Mini.Variant.Initializations);
        var error = Assert.Throws<ArgumentException>(() => Mini.Variant.Build(LayerTestData.Cpu, classes: 17, seed: 1, initialization: "caffe"));
        Assert.Contains("mini has no initialization 'caffe'; it starts from 'he'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Summaries_spell_out_the_output_size_arithmetic()
    {
        var alexnet = VariantSummaries.Get("alexnet", 1000).Layers;
        Assert.Equal("(227 - 11 + 2*0)/4 + 1 = 55", alexnet.Single(layer => layer.Name == "conv1").SizeArithmetic);
        Assert.Equal("(55 - 3 + 2*0)/2 + 1 = 27", alexnet.Single(layer => layer.Name == "pool1").SizeArithmetic);
        Assert.Equal("(27 - 5 + 2*2)/1 + 1 = 27", alexnet.Single(layer => layer.Name == "conv2").SizeArithmetic);
        Assert.Equal("256*6*6 = 9216", alexnet.Single(layer => layer.Name == "flatten").SizeArithmetic);
        Assert.Null(alexnet.Single(layer => layer.Name == "relu1").SizeArithmetic);
        // 224 does not divide evenly: the rounding is shown.
        var torchvision = VariantSummaries.Get("torchvision", 1000).Layers;
        Assert.Equal("(224 - 11 + 2*2)/4 + 1 = floor(54.25) + 1 = 55", torchvision.Single(layer => layer.Name == "conv1").SizeArithmetic);
        var keras = VariantSummaries.Get("keras-blog", 17).Layers;
        Assert.Equal("(224 - 11 + 2*0)/4 + 1 = floor(53.25) + 1 = 54", keras.Single(layer => layer.Name == "conv1").SizeArithmetic);
    }

    /// <summary>
    /// The receptive fields of the paper's network as Araujo et al. (Distill, 2019) tabulate them:
    /// a value after pool5 sees 195×195 of the 227×227 input.
    /// </summary>
    [Fact]
    public void Summaries_give_each_window_layers_receptive_field()
    {
        var alexnet = VariantSummaries.Get("alexnet", 1000).Layers;
        var fields = alexnet.Where(layer => layer.ReceptiveField is not null).Select(layer => (layer.Name, layer.ReceptiveField!.Value));
        Assert.Equal([("conv1", 11), ("pool1", 19), ("conv2", 51), ("pool2", 67), ("conv3", 99), ("conv4", 131), ("conv5", 163), ("pool5", 195)], fields);
        Assert.Equal("19 + (5-1)*8 = 51", alexnet.Single(layer => layer.Name == "conv2").ReceptiveFieldArithmetic);
        Assert.Null(alexnet.Single(layer => layer.Name == "norm1").ReceptiveFieldArithmetic);
        // Keras' 2×2 pools and 11×11 conv2: 4 + 1·4 … then 15 + 10·8.
        var keras = VariantSummaries.Get("keras-blog", 17).Layers;
        Assert.Equal("15 + (11-1)*8 = 95", keras.Single(layer => layer.Name == "conv2").ReceptiveFieldArithmetic);
    }
}
