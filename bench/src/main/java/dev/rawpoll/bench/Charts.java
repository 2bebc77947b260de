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
    private static final int HEIGHT = 500;

    private Charts() {}

    /** Two bar charts, one above the other: round trips/s, then user µs per round trip. */
    static void echo(Compare.Results results, Path png) throws IOException {
        List<String> points = new ArrayList<>();
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, List<Double>> user = new LinkedHashMap<>();
        for (var point : results.cells().entrySet()) {
            Compare.Point p = point.getKey();
            points.add(pointLabel(p.connections(), p.size()));
            for (var cell : point.getValue().entrySet()) {
                Report.Medians m = Report.Medians.of(cell.getValue());
                rates.computeIfAbsent(cell.getKey(), k -> new ArrayList<>()).add(zeroIfNaN(m.rate()));
                user.computeIfAbsent(cell.getKey(), k -> new ArrayList<>()).add(zeroIfNaN(m.user()));
            }
        }
        echo(points, rates, user, png);
    }

    private static void echo(List<String> points, Map<String, List<Double>> rates, Map<String, List<Double>> user, Path png)
            throws IOException {
        headless();
        CategoryChart rateChart = bars("Echo: round trips/s (median; higher is better)", "round trips/s", points, rates);
        CategoryChart userChart = bars("Echo: server user CPU per round trip (median; lower is better)", "user µs / round trip", points, user);
        save(List.of(rateChart, userChart), png);
    }

    private static String pointLabel(int connections, int size) {
        String c = connections >= 1000 && connections % 1000 == 0 ? connections / 1000 + "k" : Integer.toString(connections);
        String b = size >= 1024 && size % 1024 == 0 ? size / 1024 + " KiB" : size + " B";
        return c + " conn × " + b;
    }

    /**
     * Poll + iteration cost per (registered, ready) point: rawpoll, floor and NIO, in ns (above)
     * and as a multiple of the floor (below, where the small points are readable too).
     */
    static void poll(List<MicroReport.Row> rows, Path png) throws IOException {
        headless();
        Map<String, String> shown = new LinkedHashMap<>();
        shown.put("epollWaitFloor", "floor (bare epoll_wait)");
        shown.put("rawpoll", "rawpoll poll + iteration");
        shown.put("nioSelectNow", "NIO selectNow + keys");
        Set<String> points = new java.util.TreeSet<>(Charts::comparePollPoints);
        Map<String, Map<String, Double>> byMethod = new LinkedHashMap<>();
        for (MicroReport.Row row : rows) {
            if (!row.benchmark().equals("PollBench") || !shown.containsKey(row.method())) continue;
            String point = pollLabel(row.params());
            points.add(point);
            byMethod.computeIfAbsent(row.method(), k -> new LinkedHashMap<>()).put(point, row.median());
        }
        if (points.isEmpty()) return;
        Map<String, List<Double>> nanos = new LinkedHashMap<>();
        Map<String, List<Double>> perFloor = new LinkedHashMap<>();
        Map<String, Double> floor = byMethod.getOrDefault("epollWaitFloor", Map.of());
        for (var method : shown.entrySet()) {
            Map<String, Double> values = byMethod.getOrDefault(method.getKey(), Map.of());
            nanos.put(method.getValue(), points.stream().map(p -> values.getOrDefault(p, 0.0)).toList());
            perFloor.put(method.getValue(), points.stream()
                    .map(p -> values.containsKey(p) && floor.containsKey(p) ? values.get(p) / floor.get(p) : 0.0).toList());
        }
        List<String> categories = new ArrayList<>(points);
        save(List.of(bars("Poll + pass over the events: ns per poll (median; lower is better)", "ns / poll", categories, nanos),
                bars("The same as a multiple of the bare epoll_wait floor (1.0 = the floor)", "÷ floor", categories, perFloor)), png);
    }

    /** "ready=1, registered=1000" → "1k reg / 1 ready". */
    private static String pollLabel(String params) {
        String registered = "?";
        String ready = "?";
        for (String kv : params.split(",\\s*")) {
            String[] p = kv.split("=");
            if (p.length != 2) continue;
            if (p[0].equals("registered")) registered = p[1];
            if (p[0].equals("ready")) ready = p[1];
        }
        String reg = registered.endsWith("000") ? registered.substring(0, registered.length() - 3) + "k" : registered;
        return reg + " reg / " + ready + " ready";
    }

    private static int comparePollPoints(String a, String b) {
        return Double.compare(pollOrder(a), pollOrder(b));
    }

    private static double pollOrder(String label) {
        String[] p = label.split(" ");
        String reg = p[0];
        double registered = reg.endsWith("k") ? Double.parseDouble(reg.substring(0, reg.length() - 1)) * 1000 : Double.parseDouble(reg);
        return registered * 1e4 + Double.parseDouble(p[3]);
    }

    /**
     * Redraws the charts from the Markdown tables of an earlier run, without running anything:
     * {@code micro[-quick].md} gives {@code poll[-quick].png}, {@code echo[-quick].md} gives
     * {@code echo[-quick].png}, next to the tables.
     *
     * <pre>java -cp bench/target/rawpoll-bench-*-all.jar dev.rawpoll.bench.Charts bench/results/micro.md bench/results/echo.md</pre>
     */
    public static void main(String[] args) throws IOException {
        for (String arg : args) {
            Path md = Path.of(arg);
            String name = md.getFileName().toString();
            List<String> lines = java.nio.file.Files.readAllLines(md);
            if (name.startsWith("micro")) {
                List<MicroReport.Row> rows = new ArrayList<>();
                for (String line : lines) {
                    String[] c = cells(line);
                    if (c.length < 6 || !c[0].contains(".") || c[0].startsWith("-")) continue;
                    String[] bm = c[0].split("\\.");
                    try {
                        rows.add(new MicroReport.Row(bm[0], bm[1], c[1], Double.parseDouble(c[2]), Double.NaN, c[4], Double.NaN));
                    } catch (NumberFormatException e) {
                        // the header row
                    }
                }
                poll(rows, md.resolveSibling(name.replace("micro", "poll").replace(".md", ".png")));
            } else if (name.startsWith("echo")) {
                List<String> points = new ArrayList<>();
                Map<String, List<Double>> rates = new LinkedHashMap<>();
                Map<String, List<Double>> user = new LinkedHashMap<>();
                for (String line : lines) {
                    String[] c = cells(line);
                    if (c.length < 5) continue;
                    try {
                        String point = pointLabel(Integer.parseInt(c[0].replace(",", "")), Integer.parseInt(c[1].replace(",", "")));
                        if (!points.contains(point)) points.add(point);
                        rates.computeIfAbsent(c[2], k -> new ArrayList<>()).add(number(c[3]));
                        user.computeIfAbsent(c[2], k -> new ArrayList<>()).add(number(c[4]));
                    } catch (NumberFormatException e) {
                        // the header row
                    }
                }
                echo(points, rates, user, md.resolveSibling(name.replace(".md", ".png")));
            }
        }
    }

    private static String[] cells(String line) {
        if (!line.startsWith("|")) return new String[0];
        String[] raw = line.substring(1).split("\\|");
        for (int i = 0; i < raw.length; i++) raw[i] = raw[i].trim();
        return raw;
    }

    private static double number(String cell) {
        String n = cell.replace(",", "");
        return n.equals("–") ? 0 : Double.parseDouble(n);
    }

    private static CategoryChart bars(String title, String yTitle, List<String> categories, Map<String, List<Double>> series) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setYAxisDecimalPattern("#,##0.##");
        chart.getStyler().setLabelsVisible(false);
        chart.getStyler().setXAxisLabelRotation(categories.size() > 4 ? 20 : 0);
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
