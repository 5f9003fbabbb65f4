using AlexNet.Tensors;

namespace AlexNet.Tests.Tensors;

public class ShapeTests
{
    [Fact]
    public void Length_is_the_product_of_the_dimensions()
    {
        var shape = new Shape(2, 3, 227, 227);
        Assert.Equal(2 * 3 * 227 * 227, shape.Length);
        Assert.Equal(3 * 227 * 227, shape.ItemLength);
        Assert.Equal("[2, 3, 227, 227]", shape.ToString());
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 1, 2, 3, 4, 5 })]
    [InlineData(new[] { 2, 0 })]
    [InlineData(new[] { -1 })]
    public void Invalid_dimensions_are_rejected_with_a_message(int[] dimensions)
    {
        var error = Assert.Throws<ArgumentException>(() => new Shape(dimensions));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Shapes_compare_by_dimensions()
    {
        Assert.Equal(new Shape(4, 9216), new Shape(4, 9216));
        Assert.NotEqual(new Shape(4, 9216), new Shape(4, 9216, 1));
    }
}
