using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace ObjectStore.Bench;

/// <summary>One line of the plot: a system's values (NaN = no point) in one panel.</summary>
internal sealed record PlotSeries(string Panel, string System, double[] Values);

/// <summary>
/// A small line plot written as PNG without packages: an RGB canvas, lines, markers, a 5×7 bitmap font
/// (capitals, digits, a few signs; lower case is drawn as capitals), and a PNG encoder (zlib from the BCL).
/// </summary>
internal static class PngPlot
{
    private static readonly Dictionary<string, (byte R, byte G, byte B)> Colors = new(StringComparer.Ordinal)
    {
        ["objectstore"] = (214, 39, 40),
        ["disk"] = (31, 119, 180),
        ["nginx"] = (44, 160, 44),
        ["azurite"] = (148, 103, 189),
    };

    public static byte[] Render(string title, string[] panels, string[] xLabels, IReadOnlyList<PlotSeries> series)
    {
        const int width = 1400, height = 700;
        var canvas = new Canvas(width, height);
        (byte, byte, byte) black = (0, 0, 0), grid = (225, 225, 225), axis = (90, 90, 90);

        canvas.Text(title, width / 2 - Canvas.TextWidth(title, 2) / 2, 16, 2, black);

        var values = series.SelectMany(s => s.Values).Where(v => v > 0 && !double.IsNaN(v)).ToArray();
        double lo = values.Length > 0 ? Math.Floor(Math.Log10(values.Min())) : 0;
        double hi = values.Length > 0 ? Math.Ceiling(Math.Log10(values.Max())) : 1;
        if (hi <= lo)
        {
            hi = lo + 1;
        }

        int top = 80, bottom = height - 130, left0 = 110, gap = 120;
        int panelWidth = (width - left0 - gap - 40) / Math.Max(1, panels.Length);
        for (int p = 0; p < panels.Length; p++)
        {
            int left = left0 + p * (panelWidth + gap), right = left + panelWidth;
            int Y(double v) => bottom - (int)Math.Round((Math.Log10(v) - lo) / (hi - lo) * (bottom - top));
            int X(int i) => xLabels.Length == 1 ? (left + right) / 2 : left + 40 + i * (panelWidth - 80) / (xLabels.Length - 1);

            var heading = panels[p] + " MB/S (LOG SCALE)";
            canvas.Text(heading, (left + right) / 2 - Canvas.TextWidth(heading, 2) / 2, top - 30, 2, black);
            for (double d = lo; d <= hi + 1e-9; d++)
            {
                int y = Y(Math.Pow(10, d));
                canvas.Line(left, y, right, y, grid, 1);
                for (int minor = 2; minor <= 9 && d < hi; minor++)
                {
                    int ym = Y(minor * Math.Pow(10, d));
                    canvas.Line(left, ym, left + 6, ym, axis, 1);
                }

                var label = Math.Pow(10, d).ToString(d < 0 ? "0.###" : "0", CultureInfo.InvariantCulture);
                canvas.Text(label, left - 12 - Canvas.TextWidth(label, 2), y - 7, 2, black);
            }

            canvas.Line(left, top, left, bottom, axis, 2);
            canvas.Line(left, bottom, right, bottom, axis, 2);
            for (int i = 0; i < xLabels.Length; i++)
            {
                canvas.Line(X(i), bottom, X(i), bottom + 8, axis, 2);
                canvas.Text(xLabels[i], X(i) - Canvas.TextWidth(xLabels[i], 2) / 2, bottom + 16, 2, black);
            }

            canvas.Text("OBJECT SIZE", (left + right) / 2 - Canvas.TextWidth("OBJECT SIZE", 2) / 2, bottom + 44, 2, axis);

            foreach (var s in series.Where(s => s.Panel == panels[p]))
            {
                var color = Colors.GetValueOrDefault(s.System, ((byte)0, (byte)0, (byte)0));
                (int X, int Y)? previous = null;
                for (int i = 0; i < s.Values.Length && i < xLabels.Length; i++)
                {
                    if (!(s.Values[i] > 0))
                    {
                        previous = null;
                        continue;
                    }

                    var point = (X(i), Y(s.Values[i]));
                    if (previous is { } a)
                    {
                        canvas.Line(a.X, a.Y, point.Item1, point.Item2, color, 3);
                    }

                    canvas.Fill(point.Item1 - 5, point.Item2 - 5, 11, 11, color);
                    previous = point;
                }
            }
        }

        // Legend, one entry per system that has a line.
        int lx = left0, ly = height - 40;
        foreach (var system in BenchOptions.AllSystems.Where(sys => series.Any(s => s.System == sys)))
        {
            var color = Colors[system];
            canvas.Line(lx, ly + 7, lx + 40, ly + 7, color, 3);
            canvas.Fill(lx + 15, ly + 2, 11, 11, color);
            canvas.Text(system, lx + 52, ly, 2, (0, 0, 0));
            lx += 52 + Canvas.TextWidth(system, 2) + 60;
        }

        return canvas.EncodePng();
    }

    private sealed class Canvas(int width, int height)
    {
        private readonly byte[] _rgb = Enumerable.Repeat((byte)255, width * height * 3).ToArray();

        public void Set(int x, int y, (byte R, byte G, byte B) c)
        {
            if ((uint)x >= (uint)width || (uint)y >= (uint)height)
            {
                return;
            }

            int i = (y * width + x) * 3;
            _rgb[i] = c.R;
            _rgb[i + 1] = c.G;
            _rgb[i + 2] = c.B;
        }

        public void Fill(int x, int y, int w, int h, (byte, byte, byte) c)
        {
            for (int j = 0; j < h; j++)
            {
                for (int i = 0; i < w; i++)
                {
                    Set(x + i, y + j, c);
                }
            }
        }

        /// <summary>Bresenham with a square brush of the given thickness.</summary>
        public void Line(int x0, int y0, int x1, int y1, (byte, byte, byte) c, int thickness)
        {
            int dx = Math.Abs(x1 - x0), sx = x0 < x1 ? 1 : -1, dy = -Math.Abs(y1 - y0), sy = y0 < y1 ? 1 : -1, err = dx + dy;
            int half = thickness / 2;
            while (true)
            {
                Fill(x0 - half, y0 - half, thickness, thickness, c);
                if (x0 == x1 && y0 == y1)
                {
                    break;
                }

                int e2 = 2 * err;
                if (e2 >= dy)
                {
                    err += dy;
                    x0 += sx;
                }

                if (e2 <= dx)
                {
                    err += dx;
                    y0 += sy;
                }
            }
        }

        public static int TextWidth(string text, int scale) => text.Length * 6 * scale;

        public void Text(string text, int x, int y, int scale, (byte, byte, byte) c)
        {
            foreach (var ch in text.ToUpperInvariant())
            {
                if (Font.Glyphs.TryGetValue(ch, out var rows))
                {
                    for (int r = 0; r < 7; r++)
                    {
                        for (int col = 0; col < 5; col++)
                        {
                            if (rows[r][col] == '#')
                            {
                                Fill(x + col * scale, y + r * scale, scale, scale, c);
                            }
                        }
                    }
                }

                x += 6 * scale;
            }
        }

        public byte[] EncodePng()
        {
            using var output = new MemoryStream();
            output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
            var header = new byte[13];
            BinaryPrimitives.WriteInt32BigEndian(header, width);
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
            header[8] = 8;  // bit depth
            header[9] = 2;  // truecolour RGB
            Chunk(output, "IHDR", header);

            using var compressed = new MemoryStream();
            using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                for (int y = 0; y < height; y++)
                {
                    z.WriteByte(0); // filter: none
                    z.Write(_rgb, y * width * 3, width * 3);
                }
            }

            Chunk(output, "IDAT", compressed.ToArray());
            Chunk(output, "IEND", []);
            return output.ToArray();
        }

        private static void Chunk(Stream output, string type, byte[] data)
        {
            var length = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
            output.Write(length);
            var typeBytes = Encoding.ASCII.GetBytes(type);
            output.Write(typeBytes);
            output.Write(data);
            uint crc = Crc32(typeBytes, 0xFFFFFFFFu);
            crc = Crc32(data, crc) ^ 0xFFFFFFFFu;
            var crcBytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
            output.Write(crcBytes);
        }

        private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
        {
            uint c = (uint)n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            return c;
        }).ToArray();

        private static uint Crc32(byte[] data, uint crc)
        {
            foreach (var b in data)
            {
                crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            return crc;
        }
    }

    /// <summary>5×7 glyphs, one string of 5 per row.</summary>
    private static class Font
    {
        public static readonly Dictionary<char, string[]> Glyphs = Build();

        private static Dictionary<char, string[]> Build()
        {
            const string source = """
                A .###. #...# #...# ##### #...# #...# #...#
                B ####. #...# #...# ####. #...# #...# ####.
                C .###. #...# #.... #.... #.... #...# .###.
                D ####. #...# #...# #...# #...# #...# ####.
                E ##### #.... #.... ####. #.... #.... #####
                F ##### #.... #.... ####. #.... #.... #....
                G .###. #...# #.... #.### #...# #...# .####
                H #...# #...# #...# ##### #...# #...# #...#
                I .###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.
                J ..### ...#. ...#. ...#. ...#. #..#. .##..
                K #...# #..#. #.#.. ##... #.#.. #..#. #...#
                L #.... #.... #.... #.... #.... #.... #####
                M #...# ##.## #.#.# #.#.# #...# #...# #...#
                N #...# #...# ##..# #.#.# #..## #...# #...#
                O .###. #...# #...# #...# #...# #...# .###.
                P ####. #...# #...# ####. #.... #.... #....
                Q .###. #...# #...# #...# #.#.# #..#. .##.#
                R ####. #...# #...# ####. #.#.. #..#. #...#
                S .#### #.... #.... .###. ....# ....# ####.
                T ##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..
                U #...# #...# #...# #...# #...# #...# .###.
                V #...# #...# #...# #...# #...# .#.#. ..#..
                W #...# #...# #...# #.#.# #.#.# #.#.# .#.#.
                X #...# #...# .#.#. ..#.. .#.#. #...# #...#
                Y #...# #...# .#.#. ..#.. ..#.. ..#.. ..#..
                Z ##### ....# ...#. ..#.. .#... #.... #####
                0 .###. #...# #..## #.#.# ##..# #...# .###.
                1 ..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.
                2 .###. #...# ....# ...#. ..#.. .#... #####
                3 ##### ...#. ..#.. ...#. ....# #...# .###.
                4 ...#. ..##. .#.#. #..#. ##### ...#. ...#.
                5 ##### #.... ####. ....# ....# #...# .###.
                6 ..##. .#... #.... ####. #...# #...# .###.
                7 ##### ....# ...#. ..#.. .#... .#... .#...
                8 .###. #...# #...# .###. #...# #...# .###.
                9 .###. #...# #...# .#### ....# ...#. .##..
                . ..... ..... ..... ..... ..... .##.. .##..
                , ..... ..... ..... ..... .##.. ..#.. .#...
                : ..... .##.. .##.. ..... .##.. .##.. .....
                / ..... ....# ...#. ..#.. .#... #.... .....
                ( ...#. ..#.. .#... .#... .#... ..#.. ...#.
                ) .#... ..#.. ...#. ...#. ...#. ..#.. .#...
                - ..... ..... ..... ##### ..... ..... .....
                = ..... ..... ##### ..... ##### ..... .....
                % ##... ##..# ...#. ..#.. .#... #..## ...##
                + ..... ..#.. ..#.. ##### ..#.. ..#.. .....
                _ ..... ..... ..... ..... ..... ..... #####
                * ..... ..#.. #.#.# .###. #.#.# ..#.. .....
                """;
            var glyphs = new Dictionary<char, string[]>();
            foreach (var line in source.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                glyphs[parts[0][0]] = parts[1..];
            }

            return glyphs;
        }
    }
}
