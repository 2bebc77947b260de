package dev.rawpoll.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The Markdown of the echo comparison: one row per server and point, medians and ratios. */
final class Report {
    private Report() {}

    static double median(double[] values) {
        double[] v = Arrays.stream(values).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static double median(List<Loadgen.Result> runs, ToDoubleFunction<Loadgen.Result> metric) {
        return median(runs.stream().mapToDouble(metric).toArray());
    }

    /** The medians of one cell: round trips/s, user, system and total CPU µs per round trip, p99. */
    record Medians(double rate, double user, double system, double total, double p99, double syscalls) {
        static Medians of(Compare.Cell cell) {
            return new Medians(
                    median(cell.runs, Loadgen.Result::roundTripsPerSecond),
                    median(cell.runs, Loadgen.Result::userMicrosPerRoundTrip),
                    median(cell.runs, Loadgen.Result::systemMicrosPerRoundTrip),
                    median(cell.runs, r -> r.userMicrosPerRoundTrip() + r.systemMicrosPerRoundTrip()),
                    median(cell.runs, Loadgen.Result::p99Micros),
                    cell.syscallsPerRoundTrip);
        }
    }

    static String markdown(Compare.Settings settings, Map<Compare.Point, Map<String, Compare.Cell>> cells, boolean perf) {
        StringBuilder md = new StringBuilder();
        md.append(settings.describe()).append(".\n\n");
        md.append("| connections | size | server | round trips/s | user µs/rt | sys µs/rt | total µs/rt | syscalls/rt | p99 µs "
                + "| rt/s ÷ NIO | user ÷ NIO | total ÷ NIO | user ÷ C | total ÷ C | JIT in window | machine idle % |\n");
        md.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        List<String> failures = new ArrayList<>();
        List<String> unsettled = new ArrayList<>();
        int maxSettleWindows = 0;
        for (var point : cells.entrySet()) {
            Compare.Point p = point.getKey();
            Map<String, Compare.Cell> row = point.getValue();
            Medians nio = row.containsKey("NIO") ? Medians.of(row.get("NIO")) : null;
            Medians c = row.containsKey("C") ? Medians.of(row.get("C")) : null;
            for (var entry : row.entrySet()) {
                Medians m = Medians.of(entry.getValue());
                Compare.Cell cell = entry.getValue();
                for (String f : cell.failures) failures.add(entry.getKey() + " at " + p.connections() + " × " + p.size() + " B: " + f);
                String where = entry.getKey() + " at " + p.connections() + " × " + p.size() + " B";
                if (cell.jit) {
                    maxSettleWindows = Math.max(maxSettleWindows, cell.settleWindows);
                    if (cell.lastSettleCompilations != 0) {
                        unsettled.add(where + ": " + (cell.lastSettleCompilations < 0 ? "no round trip completed"
                                : "still " + cell.lastSettleCompilations + " compilation(s)") + " in the last of "
                                + cell.settleWindows + " settle windows");
                    }
                    if (cell.compilationsMeasured > 0) {
                        unsettled.add(where + ": " + cell.compilationsMeasured + " compilation(s) inside the measured windows");
                    }
                }
                md.append(String.format(Locale.ROOT, "| %,d | %,d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                        p.connections(), p.size(), entry.getKey(),
                        number(m.rate(), "%,.0f"), number(m.user(), "%.2f"), number(m.system(), "%.2f"),
                        number(m.total(), "%.2f"), number(m.syscalls(), "%.2f"), number(m.p99(), "%,.0f"),
                        ratio(m.rate(), nio == null ? Double.NaN : nio.rate()),
                        ratio(m.user(), nio == null ? Double.NaN : nio.user()),
                        ratio(m.total(), nio == null ? Double.NaN : nio.total()),
                        ratio(m.user(), c == null ? Double.NaN : c.user()),
                        ratio(m.total(), c == null ? Double.NaN : c.total()),
                        cell.jit ? Long.toString(cell.compilationsMeasured) : "–",
                        number(median(cell.machineIdlePercent.stream().mapToDouble(Double::doubleValue).toArray()), "%.1f")));
            }
        }
        md.append(variants(cells));
        md.append("\nMedians over the repetitions; ratios are of those medians, in the same run. CPU is the server "
                + "process's (all threads: JIT and GC included) user and system time over the measured window, from "
                + "/proc/PID/stat in 10 ms ticks. \"Machine idle %\" is the share of all CPUs' time that /proc/stat counts as "
                + "idle (idle + iowait) over the measured window: time on which nothing ran, neither the server nor the load "
                + "generator (in a virtual machine, its CPUs halted). ");
        md.append(perf
                ? "System calls per round trip come from one extra pass per point counted with `perf stat -e raw_syscalls:sys_enter -p PID` (not in the CPU figures).\n"
                : "System calls were not counted (perf is not usable here, or --no-syscalls).\n");
        md.append(String.format(Locale.ROOT, "%nJIT settle check: every Java server runs with `-XX:+PrintCompilation`, whose lines the runner "
                + "counts. Before the repetitions, each server ran each point's load in windows of %.1f s until one window saw no "
                + "compilation and `jcmd Compiler.queue` showed nothing queued (at most %d windows; the most any cell needed: %d). \"JIT in window\" is what the JIT compiled "
                + "(or made not entrant) inside the measured windows of all repetitions of that cell: 0 means the CPU figures are of "
                + "settled code.%n", settings.settleWindow, settings.settleMaxWindows, maxSettleWindows));
        if (!unsettled.isEmpty()) {
            md.append("\nWhere the JIT had not settled:\n\n");
            for (String u : unsettled) md.append("- ").append(u).append('\n');
        }
        if (!failures.isEmpty()) {
            md.append("\nFailed runs:\n\n");
            for (String f : failures) md.append("- ").append(f.replace('\n', ' ')).append('\n');
        }
        return md.toString();
    }

    /**
     * The 2-loop and io_uring rows against their 1-loop epoll form and against Netty's row of the
     * same kind, where both are in the run (empty if none is): issue 16's "2 loops not slower than
     * 1, rawpoll's 2 loops not behind Netty's", and the io_uring rows' gain over epoll.
     */
    static String variants(Map<Compare.Point, Map<String, Compare.Cell>> cells) {
        StringBuilder md = new StringBuilder();
        for (var point : cells.entrySet()) {
            Compare.Point p = point.getKey();
            Map<String, Compare.Cell> row = point.getValue();
            for (String name : row.keySet()) {
                List<String> bases = EchoServers.VARIANTS.get(name);
                if (bases == null) continue;
                Medians m = Medians.of(row.get(name));
                Medians own = row.containsKey(bases.get(0)) ? Medians.of(row.get(bases.get(0))) : null;
                Medians netty = bases.get(1) != null && row.containsKey(bases.get(1)) ? Medians.of(row.get(bases.get(1))) : null;
                md.append(String.format(Locale.ROOT, "| %,d | %,d | %s | %s | %s | %s | %s | %s | %s |\n", p.connections(), p.size(), name,
                        own == null ? "–" : bases.get(0), ratio(m.rate(), own == null ? Double.NaN : own.rate()),
                        ratio(m.total(), own == null ? Double.NaN : own.total()),
                        netty == null ? "–" : ratio(m.rate(), netty.rate()) + " (" + bases.get(1) + ")",
                        own == null ? "–" : perRepetition(row.get(name), row.get(bases.get(0))),
                        netty == null ? "–" : perRepetition(row.get(name), row.get(bases.get(1)))));
            }
        }
        if (md.isEmpty()) return "";
        return "\nVariants in the same run: round trips/s and total CPU per round trip against the server's 1-loop epoll form, "
                + "and round trips/s against Netty's row of the same kind. The repetitions interleave the servers (repetition i of "
                + "every server runs in round i), so each round gives a ratio of its own: the last two columns give their range and "
                + "how many rounds had the variant level or ahead (≥ 1.00).\n\n"
                + "| connections | size | server | compared with | rt/s ÷ it | total CPU ÷ it | rt/s ÷ Netty | ÷ it, per round | ÷ Netty, per round |\n"
                + "|---:|---:|---|---|---:|---:|---|---|---|\n" + md;
    }

    /**
     * Round trips/s of {@code cell} over {@code base} round by round: "min–max, k of n ≥ 1.00"; "–"
     * when a run of either failed (the rounds no longer pair up).
     */
    static String perRepetition(Compare.Cell cell, Compare.Cell base) {
        int n = cell.runs.size();
        if (n == 0 || n != base.runs.size() || !cell.failures.isEmpty() || !base.failures.isEmpty()) return "–";
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        int atLeast = 0;
        for (int i = 0; i < n; i++) {
            double r = cell.runs.get(i).roundTripsPerSecond() / base.runs.get(i).roundTripsPerSecond();
            min = Math.min(min, r);
            max = Math.max(max, r);
            // as printed: a round shown as 1.00 counts as level
            if (Math.round(r * 100) >= 100) atLeast++;
        }
        return String.format(Locale.ROOT, "%.2f–%.2f, %d of %d ≥ 1.00", min, max, atLeast, n);
    }

    private static String number(double value, String format) {
        return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, format, value);
    }

    private static String ratio(double value, double base) {
        return Double.isNaN(value) || Double.isNaN(base) || base == 0 ? "–" : String.format(Locale.ROOT, "%.2f", value / base);
    }
}
