namespace ObjectStore.Erasure.Tests;

public sealed class GaloisFieldTests
{
    [Theory]
    [InlineData(0x02, 0x80, 0x1D)] // x·x^7 = x^8 ≡ x^4 + x^3 + x^2 + 1
    [InlineData(0x80, 0x80, 0x13)] // x^14 = x^6·x^8 ≡ x^10 + x^9 + x^8 + x^6 ≡ 0x74 ^ 0x3A ^ 0x1D ^ 0x40
    [InlineData(0x03, 0x07, 0x09)] // no reduction: (x + 1)(x^2 + x + 1) = x^3 + 1
    [InlineData(0x02, 0x8E, 0x01)] // 0x11C ^ 0x11D
    [InlineData(0x00, 0xA7, 0x00)]
    [InlineData(0x01, 0xA7, 0xA7)]
    public void Multiply_matches_hand_computed_products(byte a, byte b, byte expected)
    {
        Assert.Equal(expected, GaloisField.Multiply(a, b));
        Assert.Equal(expected, GaloisField.Multiply(b, a));
    }

    [Fact]
    public void Multiplication_table_matches_the_field_definition()
    {
        for (int a = 0; a < 256; a++)
        {
            ReadOnlySpan<byte> row = GaloisField.MultiplicationRow((byte)a);
            for (int b = 0; b < 256; b++)
            {
                Assert.Equal(FieldOracle.Multiply((byte)a, (byte)b), row[b]);
            }
        }
    }

    [Fact]
    public void Every_nonzero_element_has_an_inverse()
    {
        for (int a = 1; a < 256; a++)
        {
            Assert.Equal(1, GaloisField.Multiply((byte)a, GaloisField.Inverse((byte)a)));
        }

        Assert.Throws<DivideByZeroException>(() => GaloisField.Inverse(0));
    }

    [Fact]
    public void Cauchy_generator_for_RS_4_2_is_identity_over_inverses_of_row_xor_column()
    {
        // 1/4 = 0x47 because 4·0x47 = 0x11C ≡ 1; the rest computed the same way from the definition.
        byte[] expected =
        [
            1, 0, 0, 0,
            0, 1, 0, 0,
            0, 0, 1, 0,
            0, 0, 0, 1,
            0x47, 0xA7, 0x7A, 0xBA, // 1/(4^j)
            0xA7, 0x47, 0xBA, 0x7A, // 1/(5^j)
        ];

        Assert.Equal(expected, GaloisMatrix.Cauchy(4, 6));
    }

    [Theory]
    [InlineData(4, 6)]
    [InlineData(6, 9)]
    [InlineData(32, 48)]
    public void Cauchy_generator_matches_isa_l(int dataShards, int totalShards)
    {
        if (IsaLLibrary.Instance is not { } isaL)
        {
            return; // nothing to compare against on a machine without libisal
        }

        Assert.Equal(isaL.GenerateCauchyMatrix(dataShards, totalShards), GaloisMatrix.Cauchy(dataShards, totalShards));
    }

    [Fact]
    public void Every_k_rows_of_the_generator_invert_and_agree_with_isa_l()
    {
        const int k = 6, total = 9;
        byte[] generator = GaloisMatrix.Cauchy(k, total);
        for (int mask = 0; mask < 1 << total; mask++)
        {
            if (int.PopCount(mask) != k)
            {
                continue;
            }

            var selected = new List<byte>();
            for (int row = 0; row < total; row++)
            {
                if ((mask & (1 << row)) != 0)
                {
                    selected.AddRange(generator.AsSpan(row * k, k).ToArray());
                }
            }

            var inverse = new byte[k * k];
            Assert.True(GaloisMatrix.TryInvert(selected.ToArray(), k, inverse));
            Assert.Equal(Identity(k), GaloisMatrix.Multiply(selected.ToArray(), k, k, inverse, k));

            if (IsaLLibrary.Instance is { } isaL)
            {
                var native = new byte[k * k];
                Assert.True(isaL.TryInvertMatrix(selected.ToArray(), k, native));
                Assert.Equal(native, inverse);
            }
        }
    }

    [Fact]
    public void Singular_matrix_does_not_invert()
    {
        byte[] singular = [1, 2, 2, 4]; // second row is 2 × the first
        Assert.False(GaloisMatrix.TryInvert(singular, 2, new byte[4]));
    }

    [Fact]
    public void Isa_l_multiply_agrees_when_present()
    {
        if (IsaLLibrary.Instance is not { } isaL)
        {
            return;
        }

        for (int a = 0; a < 256; a++)
        {
            for (int b = 0; b < 256; b++)
            {
                Assert.Equal(GaloisField.Multiply((byte)a, (byte)b), isaL.Multiply((byte)a, (byte)b));
            }
        }
    }

    private static byte[] Identity(int n)
    {
        var identity = new byte[n * n];
        for (int i = 0; i < n; i++)
        {
            identity[i * n + i] = 1;
        }

        return identity;
    }
}
