package dev.hoststack.bench.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The report's PNG charts, drawn headless with JFreeChart. */
final class Charts {

    /** Colours per implementation, the project's first. */
    static final Map<String, Color> COLORS = Map.of(
            "hoststack", new Color(0xD62728),
            "hashMap", new Color(0x1F77B4),
            "concurrentHashMap", new Color(0x2CA02C),
            "eclipsePrimitive", new Color(0x9467BD));

    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);

    private Charts() {
    }

    /** One line of a lookup chart. */
    record Line(String impl, String label, boolean dashed, Map<Integer, Double> nsBySize) {
    }

    /**
     * Lookup time against table size, log-log, one line per implementation and probe kind, with a
     * horizontal marker at the same run's DRAM pointer chase (if known).
     */
    static void lookup(Path png, String title, List<Line> lines, double dramNs) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Line l : lines) {
            XYSeries s = new XYSeries(l.label());
            l.nsBySize().forEach(s::add);
            data.addSeries(s);
        }
        LogAxis x = new LogAxis("sessions in the table");
        x.setBase(2);
        x.setSmallestValue(512);
        x.setTickUnit(new NumberTickUnit(2));
        x.setNumberFormatOverride(new java.text.DecimalFormat() {
            private static final long serialVersionUID = 1L;

            @Override
            public StringBuffer format(double v, StringBuffer sb, java.text.FieldPosition pos) {
                double p = Math.log(v) / Math.log(2);
                long n = Math.round(Math.pow(2, p));
                String s = n >= 1 << 20 ? (n >> 20) + "M" : n >= 1 << 10 ? (n >> 10) + "K" : Long.toString(n);
                return sb.append(s);
            }
        });
        x.setLabelFont(LABEL);
        LogAxis y = new LogAxis("ns per lookup (log scale)");
        y.setBase(10);
        y.setSmallestValue(1);
        y.setNumberFormatOverride(new java.text.DecimalFormat("0.#"));
        y.setLabelFont(LABEL);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < lines.size(); i++) {
            Line l = lines.get(i);
            r.setSeriesPaint(i, COLORS.getOrDefault(l.impl(), Color.DARK_GRAY));
            r.setSeriesStroke(i, l.dashed()
                    ? new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 5f}, 0f)
                    : new BasicStroke(2.5f));
        }
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        if (dramNs > 0) {
            ValueMarker m = new ValueMarker(dramNs, Color.GRAY, new BasicStroke(1.5f, BasicStroke.CAP_BUTT,
                    BasicStroke.JOIN_MITER, 1f, new float[] {2f, 3f}, 0f));
            m.setLabel(String.format("one DRAM access, same run: %.0f ns  ", dramNs));
            m.setLabelFont(LABEL);
            m.setLabelAnchor(RectangleAnchor.TOP_LEFT);
            m.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
            plot.addRangeMarker(m);
        }
        JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.getLegend().setItemFont(LABEL);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1000, 620);
    }

    /** One selector's per-worker shares. */
    record Shares(String selector, Map<String, Double> measured, Map<String, Double> expected) {
    }

    /** Per-worker shares of connections: bars measured, diamonds expected, per selector. */
    static void shares(Path png, String title, List<Shares> selectors) throws IOException {
        DefaultCategoryDataset bars = new DefaultCategoryDataset();
        DefaultCategoryDataset marks = new DefaultCategoryDataset();
        for (Shares s : selectors) {
            s.measured().forEach((w, v) -> bars.addValue(100 * v, s.selector() + " (measured)", w));
            s.expected().forEach((w, v) -> marks.addValue(100 * v, s.selector() + " (expected)", w));
        }
        CategoryAxis x = new CategoryAxis("worker (application-worker, numbered from 0)");
        x.setLabelFont(LABEL);
        x.setTickLabelFont(LABEL);
        x.setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
        NumberAxis y = new NumberAxis("share of connections (%)");
        y.setLabelFont(LABEL);
        BarRenderer br = new BarRenderer();
        br.setBarPainter(new StandardBarPainter());
        br.setShadowVisible(false);
        br.setItemMargin(0.05);
        Paint[] barColors = {new Color(0xD62728), new Color(0x1F77B4)};
        Paint[] markColors = {new Color(0x7F0000), new Color(0x0B2E59)};
        for (int i = 0; i < selectors.size(); i++) {
            br.setSeriesPaint(i, barColors[i % barColors.length]);
        }
        CategoryPlot plot = new CategoryPlot(bars, x, y, br);
        LineAndShapeRenderer lr = new LineAndShapeRenderer(false, true);
        for (int i = 0; i < selectors.size(); i++) {
            lr.setSeriesPaint(i, markColors[i % markColors.length]);
            lr.setSeriesShape(i, new java.awt.geom.Rectangle2D.Double(-14, -2, 28, 4));
        }
        plot.setDataset(1, marks);
        plot.setRenderer(1, lr);
        plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.getLegend().setItemFont(LABEL);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1000, 560);
    }

    /** Grouped bars: ns/op per category for each series (e.g. selection per group shape). */
    static void bars(Path png, String title, String xLabel, String yLabel, Map<String, Map<String, Double>> series,
                     List<Color> colors) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        series.forEach((name, values) -> values.forEach((cat, v) -> data.addValue(v, name, cat)));
        CategoryAxis x = new CategoryAxis(xLabel);
        x.setLabelFont(LABEL);
        x.setTickLabelFont(LABEL);
        NumberAxis y = new NumberAxis(yLabel);
        y.setLabelFont(LABEL);
        BarRenderer br = new BarRenderer();
        br.setBarPainter(new StandardBarPainter());
        br.setShadowVisible(false);
        for (int i = 0; i < colors.size(); i++) {
            br.setSeriesPaint(i, colors.get(i));
        }
        CategoryPlot plot = new CategoryPlot(data, x, y, br);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.getLegend().setItemFont(LABEL);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1000, 560);
    }
}
