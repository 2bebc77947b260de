package dev.rawpoll.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;

/**
 * The PNG charts next to the Markdown tables (XChart, drawn headless): the echo comparison (round
 * trips/s and server user CPU per round trip, per server and point) and the poll cost per
 * registered/ready point (rawpoll, the bare {@code epoll_wait} floor, NIO).
 */
final class Charts {
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 480;

    private Charts() {}

    /** Two bar charts, one above the other: round trips/s, then user µs per round trip. */
    static void echo(Compare.Results results, Path png) throws IOException {
        headless();
        List<String> points = new ArrayList<>();
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, List<Double>> user = new LinkedHashMap<>();
        for (var point : results.cells().entrySet()) {
            Compare.Point p = point.getKey();
            points.add(String.format(Locale.ROOT, "%,d conn × %,d B", p.connections(), p.size()));
            for (var cell : point.getValue().entrySet()) {
                Report.Medians m = Report.Medians.of(cell.getValue());
                rates.computeIfAbsent(cell.getKey(), k -> new ArrayList<>()).add(zeroIfNaN(m.rate()));
                user.computeIfAbsent(cell.getKey(), k -> new ArrayList<>()).add(zeroIfNaN(m.user()));
            }
        }
        CategoryChart rateChart = bars("Echo: round trips/s (median; higher is better)", "round trips/s", points, rates);
        CategoryChart userChart = bars("Echo: server user CPU per round trip (median; lower is better)", "user µs / round trip", points, user);
        save(List.of(rateChart, userChart), png);
    }

    /** Poll + iteration cost per (registered, ready) point: rawpoll, floor and NIO. */
    static void poll(List<MicroReport.Row> rows, Path png) throws IOException {
        headless();
        Map<String, String> shown = new LinkedHashMap<>();
        shown.put("epollWaitFloor", "floor (bare epoll_wait)");
        shown.put("rawpoll", "rawpoll poll + iteration");
        shown.put("nioSelectNow", "NIO selectNow + keys");
        Set<String> points = new LinkedHashSet<>();
        Map<String, Map<String, Double>> byMethod = new LinkedHashMap<>();
        for (MicroReport.Row row : rows) {
            if (!row.benchmark().equals("PollBench") || !shown.containsKey(row.method())) continue;
            String point = row.params().replace("registered=", "reg ").replace("ready=", "ready ");
            points.add(point);
            byMethod.computeIfAbsent(shown.get(row.method()), k -> new LinkedHashMap<>()).put(point, row.median());
        }
        if (points.isEmpty()) return;
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (String label : shown.values()) {
            Map<String, Double> values = byMethod.getOrDefault(label, Map.of());
            series.put(label, points.stream().map(p -> values.getOrDefault(p, 0.0)).toList());
        }
        save(List.of(bars("Poll + pass over the events: ns per poll (median; lower is better)", "ns / poll",
                new ArrayList<>(points), series)), png);
    }

    private static CategoryChart bars(String title, String yTitle, List<String> categories, Map<String, List<Double>> series) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setYAxisDecimalPattern("#,##0.##");
        chart.getStyler().setLabelsVisible(false);
        for (var s : series.entrySet()) {
            chart.addSeries(s.getKey(), categories, s.getValue());
        }
        return chart;
    }

    private static void save(List<CategoryChart> charts, Path png) throws IOException {
        List<Chart<?, ?>> list = new ArrayList<>(charts);
        BitmapEncoder.saveBitmap(list, charts.size(), 1, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static double zeroIfNaN(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    private static void headless() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }
}
