package dev.rawpoll.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * The Markdown of the JMH runs: per benchmark and parameters the median of the measured
 * iterations, bytes allocated per operation, and the ratios to the same-run floor (the bare
 * downcalls) and to the NIO baseline at the same parameters.
 */
final class MicroReport {
    private MicroReport() {}

    /** Per benchmark class: the method that is the floor (or null) and the NIO baseline. */
    private static final Map<String, String[]> BASELINES = Map.of(
            "PollBench", new String[] {"epollWaitFloor", "nioSelectNow"},
            "ChurnBench", new String[] {"epollCtlFloor", "nioApplied"},
            "WakeupBench", new String[] {null, "nioSelectorWakeup"},
            "TimerHeapBench", new String[] {"emptyPass", null},
            "TaskSwitchBench", new String[] {"emptyPass", null});

    record Row(String benchmark, String method, String params, double median, double error, String unit, double bytesPerOp) {
        String key(String otherMethod) {
            return benchmark + "." + otherMethod + " " + params;
        }
    }

    static List<Row> rows(List<RunResult> results) {
        List<Row> rows = new ArrayList<>();
        for (RunResult r : results) {
            String full = r.getParams().getBenchmark();
            String[] parts = full.split("\\.");
            String benchmark = parts[parts.length - 2];
            String method = parts[parts.length - 1];
            StringJoiner params = new StringJoiner(", ");
            for (String key : r.getParams().getParamsKeys()) {
                params.add(key + "=" + r.getParams().getParam(key));
            }
            List<Double> scores = new ArrayList<>();
            for (BenchmarkResult b : r.getBenchmarkResults()) {
                for (IterationResult i : b.getIterationResults()) {
                    scores.add(i.getPrimaryResult().getScore());
                }
            }
            Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            rows.add(new Row(benchmark, method, params.toString(),
                    Report.median(scores.stream().mapToDouble(Double::doubleValue).toArray()),
                    r.getPrimaryResult().getScoreError(), r.getPrimaryResult().getScoreUnit(),
                    alloc == null ? Double.NaN : alloc.getScore()));
        }
        return rows;
    }

    static String markdown(List<RunResult> results) {
        List<Row> rows = rows(results);
        Map<String, Row> byKey = new HashMap<>();
        for (Row row : rows) byKey.put(row.key(row.method()), row);
        StringBuilder md = new StringBuilder();
        md.append("| benchmark | params | median | ± (99.9 %) | unit | B/op | ÷ floor | ÷ NIO |\n");
        md.append("|---|---|---:|---:|---|---:|---:|---:|\n");
        for (Row row : rows) {
            String[] base = BASELINES.getOrDefault(row.benchmark(), new String[2]);
            md.append(String.format(Locale.ROOT, "| %s.%s | %s | %.1f | %.1f | %s | %s | %s | %s |\n",
                    row.benchmark(), row.method(), row.params(), row.median(), row.error(), row.unit(),
                    Double.isNaN(row.bytesPerOp()) ? "–" : String.format(Locale.ROOT, "%.1f", row.bytesPerOp()),
                    ratio(row, byKey.get(base[0] == null ? "" : row.key(base[0]))),
                    ratio(row, byKey.get(base[1] == null ? "" : row.key(base[1])))));
        }
        md.append("\nMedian of the measured iterations (one fork); ratios are of medians from the same run. "
                + "Floor: the same system calls as bare downcalls, linked as the epoll backend links them. "
                + "B/op: JMH's -prof gc (gc.alloc.rate.norm).\n");
        return md.toString();
    }

    private static String ratio(Row row, Row base) {
        return base == null ? "–" : String.format(Locale.ROOT, "%.2f", row.median() / base.median());
    }
}
