package dev.rawpoll.demo;

import dev.rawpoll.demo.Trace.Kind;
import dev.rawpoll.demo.Trace.Segment;
import java.util.List;
import java.util.Locale;

/**
 * Draws a {@link Trace} as the figure of the event-loop story: one lane per task (or per loop
 * thread), time to the right, CPU segments solid and I/O waits hatched. With one loop at most one
 * lane is solid at any instant (one thread runs the tasks' code) while several lanes wait on I/O
 * together.
 */
public final class TraceChart {
    private TraceChart() {}

    /** Lanes of {@code width} columns: {@code #} for CPU, {@code ~} for an I/O wait. */
    public static String terminal(Trace trace, int width) {
        return terminal(trace, width, false, "  # CPU (on the loop thread)   ~ waiting for I/O (paused)");
    }

    /**
     * Lanes of {@code width} columns, a lane per thread, each CPU segment drawn with the last
     * character of its label (the task's number), so that tasks run one after another on one lane
     * (concurrency) and side by side on several lanes (parallelism) can be told apart.
     */
    public static String terminalByTask(Trace trace, int width) {
        return terminal(trace, width, true, "  1, 2, ...: task N on the CPU of that loop's thread");
    }

    private static String terminal(Trace trace, int width, boolean byTask, String legend) {
        List<String> tasks = trace.tasks();
        long end = Math.max(1, trace.endNanos());
        int nameWidth = tasks.stream().mapToInt(String::length).max().orElse(4);
        StringBuilder sb = new StringBuilder();
        for (String task : tasks) {
            char[] lane = " ".repeat(width).toCharArray();
            for (Segment s : trace.segments()) {
                if (!s.task().equals(task)) continue;
                int from = column(s.startNanos(), end, width);
                int to = Math.max(from + 1, column(s.endNanos(), end, width));
                char mark = s.kind() == Kind.IO ? '~' : byTask ? s.label().charAt(s.label().length() - 1) : '#';
                for (int c = from; c < Math.min(to, width); c++) lane[c] = mark;
            }
            sb.append(String.format(Locale.ROOT, "%-" + nameWidth + "s |", task)).append(lane).append("|\n");
        }
        // The time axis: round ticks (0, 0.2, 0.4 ... s), each label starting at its column.
        char[] axis = " ".repeat(width + 8).toCharArray();
        double step = tickStep(end / 1e9, 6);
        for (int k = 0; k * step * 1e9 <= end; k++) {
            String label = tickLabel(k * step, step);
            int col = column(Math.round(k * step * 1e9), end, width);
            if (col + label.length() > axis.length) break;
            boolean free = true;
            for (int c = Math.max(0, col - 1); c < col + label.length() && c < axis.length; c++) free &= axis[c] == ' ';
            if (!free) continue;
            label.getChars(0, label.length(), axis, col);
        }
        sb.append(" ".repeat(nameWidth + 2)).append(new String(axis).stripTrailing()).append(" s\n");
        sb.append(" ".repeat(nameWidth)).append(legend).append('\n');
        return sb.toString();
    }

    /** A round tick spacing (1, 2 or 5 times a power of ten, in seconds) giving at most {@code maxTicks} intervals. */
    static double tickStep(double seconds, int maxTicks) {
        double raw = Math.max(seconds, 1e-9) / maxTicks;
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * power >= raw) return m * power;
        }
        return 10 * power;
    }

    /** {@code value} with as many decimals as {@code step} needs: 0, 0.2, 0.25, 1.5. */
    static String tickLabel(double value, double step) {
        if (value == 0) return "0";
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        if (Math.abs(step * Math.pow(10, decimals) - Math.rint(step * Math.pow(10, decimals))) > 1e-9) decimals++;
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static int column(long nanos, long end, int width) {
        return (int) Math.min(width, nanos * width / end);
    }

    /** The same figure as a self-contained SVG document. */
    public static String svg(Trace trace, String title) {
        return svg(trace, title, "CPU on the loop thread (one at a time)");
    }

    /**
     * The figure with {@code cpuLegend} naming the CPU segments (a figure of several loops runs
     * CPU on several threads); the I/O entry of the legend is drawn only if the trace has I/O waits.
     */
    public static String svg(Trace trace, String title, String cpuLegend) {
        List<String> tasks = trace.tasks();
        long end = Math.max(1, trace.endNanos());
        int left = 140, laneHeight = 34, top = 50, plotWidth = 720;
        int height = top + tasks.size() * laneHeight + 70;
        int width = left + plotWidth + 30;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\">%n",
                width, height, width, height));
        sb.append("<defs><pattern id=\"io\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">")
                .append("<rect width=\"6\" height=\"6\" fill=\"#dbeafe\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#3b82f6\" stroke-width=\"2\"/>")
                .append("</pattern></defs>\n");
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">%s</text>%n", left, escape(title)));
        for (int i = 0; i < tasks.size(); i++) {
            int y = top + i * laneHeight;
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                    left - 10, y + laneHeight / 2 + 4, escape(tasks.get(i))));
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#e5e7eb\"/>%n",
                    left, y + laneHeight / 2, left + plotWidth, y + laneHeight / 2));
            for (Segment s : trace.segments()) {
                if (!s.task().equals(tasks.get(i))) continue;
                double x = left + (double) s.startNanos() * plotWidth / end;
                double w = Math.max(1.0, (double) s.durationNanos() * plotWidth / end);
                String fill = s.kind() == Kind.CPU ? "#f97316" : "url(#io)";
                sb.append(String.format(Locale.ROOT,
                        "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" stroke=\"#374151\" stroke-width=\"0.5\"><title>%s %s %.0f ms</title></rect>%n",
                        x, y + 6, w, laneHeight - 12, fill, escape(s.kind().name()), escape(s.label()), s.durationNanos() / 1e6));
            }
        }
        int axisY = top + tasks.size() * laneHeight + 10;
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#111827\"/>%n", left, axisY, left + plotWidth, axisY));
        double step = tickStep(end / 1e9, 8);
        for (int k = 0; k * step * 1e9 <= end; k++) {
            double x = left + k * step * 1e9 * plotWidth / end;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#111827\"/>%n", x, axisY, x, axisY + 4));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s s</text>%n", x, axisY + 18, tickLabel(k * step, step)));
        }
        int legendY = axisY + 42;
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"18\" height=\"12\" fill=\"#f97316\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
                left, legendY - 10, left + 24, legendY, escape(cpuLegend)));
        if (trace.segments().stream().anyMatch(s -> s.kind() == Kind.IO)) {
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"18\" height=\"12\" fill=\"url(#io)\" stroke=\"#374151\" stroke-width=\"0.5\"/><text x=\"%d\" y=\"%d\">waiting for I/O (overlaps)</text>%n",
                    left + 330, legendY - 10, left + 354, legendY));
        }
        return sb.append("</svg>\n").toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
