namespace ObjectStore.Erasure;

/// <summary>Row-major matrices over GF(2^8), the small amount of linear algebra the codec needs.</summary>
internal static class GaloisMatrix
{
    /// <summary>
    /// The (k+m)×k systematic generator of ISA-L's <c>gf_gen_cauchy1_matrix</c>: identity on top, then
    /// 1/(i ^ j) for row i ≥ k and column j &lt; k.
    /// </summary>
    /// <remarks>
    /// i ^ j is never zero because i ≥ k &gt; j, and every square submatrix of a Cauchy matrix is
    /// invertible, so any k of the k+m rows are independent — the property that lets any k shards
    /// rebuild the stripe. Rows must stay below 256 so i is a field element.
    /// </remarks>
    public static byte[] Cauchy(int dataShards, int totalShards)
    {
        var matrix = new byte[totalShards * dataShards];
        for (int i = 0; i < dataShards; i++)
        {
            matrix[i * dataShards + i] = 1;
        }

        for (int i = dataShards; i < totalShards; i++)
        {
            for (int j = 0; j < dataShards; j++)
            {
                matrix[i * dataShards + j] = GaloisField.Inverse((byte)(i ^ j));
            }
        }

        return matrix;
    }

    /// <summary>Gauss–Jordan elimination; false when <paramref name="matrix"/> is singular.</summary>
    public static bool TryInvert(ReadOnlySpan<byte> matrix, int n, Span<byte> inverse)
    {
        Span<byte> work = n * n <= 1024 ? stackalloc byte[n * n] : new byte[n * n];
        matrix[..(n * n)].CopyTo(work);
        inverse = inverse[..(n * n)];
        inverse.Clear();
        for (int i = 0; i < n; i++)
        {
            inverse[i * n + i] = 1;
        }

        for (int column = 0; column < n; column++)
        {
            int pivot = column;
            while (pivot < n && work[pivot * n + column] == 0)
            {
                pivot++;
            }

            if (pivot == n)
            {
                return false;
            }

            if (pivot != column)
            {
                SwapRows(work, n, pivot, column);
                SwapRows(inverse, n, pivot, column);
            }

            byte scale = GaloisField.Inverse(work[column * n + column]);
            ScaleRow(work, n, column, scale);
            ScaleRow(inverse, n, column, scale);

            for (int row = 0; row < n; row++)
            {
                byte factor = work[row * n + column];
                if (row != column && factor != 0)
                {
                    AddScaledRow(work, n, column, row, factor);
                    AddScaledRow(inverse, n, column, row, factor);
                }
            }
        }

        return true;
    }

    /// <summary>(rows×inner) · (inner×columns).</summary>
    public static byte[] Multiply(ReadOnlySpan<byte> left, int rows, int inner, ReadOnlySpan<byte> right, int columns)
    {
        var product = new byte[rows * columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                byte sum = 0;
                for (int i = 0; i < inner; i++)
                {
                    sum ^= GaloisField.Multiply(left[r * inner + i], right[i * columns + c]);
                }

                product[r * columns + c] = sum;
            }
        }

        return product;
    }

    private static void SwapRows(Span<byte> matrix, int n, int a, int b)
    {
        Span<byte> rowA = matrix.Slice(a * n, n);
        Span<byte> rowB = matrix.Slice(b * n, n);
        for (int i = 0; i < n; i++)
        {
            (rowA[i], rowB[i]) = (rowB[i], rowA[i]);
        }
    }

    private static void ScaleRow(Span<byte> matrix, int n, int row, byte factor)
    {
        ReadOnlySpan<byte> products = GaloisField.MultiplicationRow(factor);
        foreach (ref byte element in matrix.Slice(row * n, n))
        {
            element = products[element];
        }
    }

    private static void AddScaledRow(Span<byte> matrix, int n, int source, int target, byte factor)
    {
        ReadOnlySpan<byte> products = GaloisField.MultiplicationRow(factor);
        ReadOnlySpan<byte> from = matrix.Slice(source * n, n);
        Span<byte> to = matrix.Slice(target * n, n);
        for (int i = 0; i < n; i++)
        {
            to[i] ^= products[from[i]];
        }
    }
}
