using System.Globalization;
using ScottPlot;

namespace ObjectStore.Bench;

/// <summary>One line of the chart: a system's MB/s per object size (NaN = no point) in one panel (PUT or GET).</summary>
internal sealed record ChartSeries(string Panel, string System, double[] Values);

/// <summary>
/// The PNG beside each result: MB/s by object size on a log scale, one panel per operation, one line per system.
/// ScottPlot draws it (through SkiaSharp; its Linux native library ships in the NoDependencies package).
/// </summary>
internal static class ThroughputChart
{
    private static readonly Dictionary<string, Color> Colors = new(StringComparer.Ordinal)
    {
        ["objectstore"] = new Color(214, 39, 40),
        ["disk"] = new Color(31, 119, 180),
        ["nginx"] = new Color(44, 160, 44),
        ["azurite"] = new Color(148, 103, 189),
        ["etcd"] = new Color(255, 127, 14),
    };

    public static byte[] Render(string subtitle, string[] panels, string[] sizeLabels, IReadOnlyList<ChartSeries> series)
    {
        const int PanelWidth = 700, Height = 620;
        var values = series.SelectMany(s => s.Values).Where(v => v > 0).ToArray();
        double lo = values.Length > 0 ? Math.Floor(Math.Log10(values.Min())) : 0;
        double hi = values.Length > 0 ? Math.Ceiling(Math.Log10(values.Max())) : 1;
        if (hi <= lo)
        {
            hi = lo + 1;
        }

        var multiplot = new Multiplot();
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        while (multiplot.Count() < panels.Length)
        {
            multiplot.AddPlot(); // a new Multiplot holds one plot already
        }

        for (int p = 0; p < panels.Length; p++)
        {
            var panel = panels[p];
            var plot = multiplot.GetPlot(p);
            plot.Title($"{panel}: MB/s by object size, concurrency 1", size: 15);
            plot.XLabel("object size   (" + subtitle + ")", size: 12);
            plot.YLabel("MB/s (log scale)");

            var xTicks = new ScottPlot.TickGenerators.NumericManual();
            for (int i = 0; i < sizeLabels.Length; i++)
            {
                xTicks.AddMajor(i, sizeLabels[i]);
            }

            plot.Axes.Bottom.TickGenerator = xTicks;
            var yTicks = new ScottPlot.TickGenerators.NumericManual();
            for (double d = lo; d <= hi + 1e-9; d++)
            {
                yTicks.AddMajor(d, Math.Pow(10, d).ToString(d < 0 ? "0.###" : "#,0", CultureInfo.InvariantCulture));
                for (int m = 2; m <= 9 && d < hi; m++)
                {
                    yTicks.AddMinor(d + Math.Log10(m));
                }
            }

            plot.Axes.Left.TickGenerator = yTicks;
            plot.Axes.SetLimits(-0.3, sizeLabels.Length - 0.7, lo, hi);

            foreach (var s in series.Where(s => s.Panel == panel))
            {
                // Log10 of the points that exist; a missing point breaks nothing, the line just skips it.
                var xs = new List<double>();
                var ys = new List<double>();
                for (int i = 0; i < s.Values.Length; i++)
                {
                    if (s.Values[i] > 0)
                    {
                        xs.Add(i);
                        ys.Add(Math.Log10(s.Values[i]));
                    }
                }

                var line = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
                line.LegendText = s.System;
                line.Color = Colors.GetValueOrDefault(s.System, ScottPlot.Colors.Black);
                line.LineWidth = 2.5f;
                line.MarkerSize = 9;
            }

            plot.ShowLegend(Edge.Right);
        }

        // One PNG with the panels side by side.
        using var image = multiplot.Render(PanelWidth * panels.Length, Height);
        return image.GetImageBytes(ImageFormat.Png);
    }
}
