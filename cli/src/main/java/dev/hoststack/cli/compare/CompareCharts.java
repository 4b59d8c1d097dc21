package dev.hoststack.cli.compare;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The PNG charts of {@code hoststack compare}, drawn headless with JFreeChart in the style of the
 * benchmark report's charts ({@code benchmarks/.../report/Charts}): white background, grey grid,
 * one colour per series.
 */
final class CompareCharts {

    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);

    /** Series colours, in order (Tableau 10). */
    static final List<Color> COLORS = List.of(new Color(0x1F77B4), new Color(0xFF7F0E), new Color(0x2CA02C),
            new Color(0xD62728), new Color(0x9467BD), new Color(0x8C564B), new Color(0xE377C2), new Color(0x7F7F7F),
            new Color(0xBCBD22), new Color(0x17BECF));

    private CompareCharts() {
    }

    /**
     * Grouped bars: for each category (a selector) one bar per series.
     *
     * @param series series name to (category to value); categories in the first series' order
     * @param log    a logarithmic value axis (for figures spanning orders of magnitude); a value of 0
     *               is drawn at 0.001
     */
    static void bars(Path png, String title, String xLabel, String yLabel, Map<String, Map<String, Double>> series,
                     boolean log) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        double min = Double.MAX_VALUE;
        for (Map.Entry<String, Map<String, Double>> s : series.entrySet()) {
            for (Map.Entry<String, Double> v : s.getValue().entrySet()) {
                double value = log ? Math.max(v.getValue(), 1e-3) : v.getValue();
                data.addValue(value, s.getKey(), v.getKey());
                min = Math.min(min, value);
            }
        }
        CategoryAxis x = new CategoryAxis(xLabel);
        x.setLabelFont(LABEL);
        x.setTickLabelFont(LABEL);
        ValueAxis y;
        if (log) {
            LogAxis l = new LogAxis(yLabel + " (log scale)");
            l.setBase(10);
            l.setSmallestValue(Math.max(1e-3, min / 2));
            l.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(1)); // a tick per power of ten
            l.setNumberFormatOverride(new java.text.DecimalFormat("0.###"));
            y = l;
        } else {
            y = new NumberAxis(yLabel);
        }
        y.setLabelFont(LABEL);
        BarRenderer br = new BarRenderer();
        br.setBarPainter(new StandardBarPainter());
        br.setShadowVisible(false);
        br.setItemMargin(0.04);
        for (int i = 0; i < series.size(); i++) {
            br.setSeriesPaint(i, COLORS.get(i % COLORS.size()));
        }
        CategoryPlot plot = new CategoryPlot(data, x, y, br);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.getLegend().setItemFont(LABEL);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1000, 520);
    }
}
