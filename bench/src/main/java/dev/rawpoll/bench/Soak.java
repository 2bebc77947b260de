package dev.rawpoll.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./rawpoll soak}: does a server grow under a long churning load? Starts one echo server
 * at a time (a JVM with Native Memory Tracking), drives it with {@code native/c/soakgen} (CONNECTIONS
 * connections on loopback, each exchanging checked messages, then closing, half-closing, resetting
 * or idling, at most CHURN endings a second, reconnecting at once), and prints what the server
 * holds once every connection is open and SETTLE seconds have passed (start), after SECONDS more
 * (end, load still on), and 2 s after the load has gone (after): open descriptors, RSS, heap used
 * after a full GC, native memory committed outside the heap (NMT) and malloc'd (NMT), round trips
 * served and errors by kind. The Markdown goes to stdout and, with {@code --out}, to a file.
 *
 * <pre>
 * java -cp bench/target/rawpoll-bench-*-all.jar dev.rawpoll.bench.Soak [--servers callbacks,tasks]
 *     [--connections 10000] [--seconds 600] [--settle 30] [--churn 300] [--out FILE.md]
 * </pre>
 *
 * The servers need CONNECTIONS + a few descriptors: a JVM raises its soft RLIMIT_NOFILE to the
 * hard limit itself, soakgen raises its own, and {@code ./rawpoll soak} raises the soft limit of
 * the shell to the hard one first.
 */
public final class Soak {
    private Soak() {}

    static final class Settings {
        List<String> servers = List.of("callbacks", "tasks");
        int connections = 10_000;
        double seconds = 600;
        double settle = 30;
        double churn = 300;
        Path nativeDir = BenchMain.nativeDir();
        Path out;

        static Settings parse(String[] args) {
            Settings s = new Settings();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--servers" -> s.servers = List.of(args[++i].split(","));
                    case "--connections" -> s.connections = Options.integer("--connections", args[++i], 1, 1_000_000);
                    case "--seconds" -> s.seconds = Options.positive("--seconds", args[++i]);
                    case "--settle" -> s.settle = Options.positive("--settle", args[++i]);
                    case "--churn" -> s.churn = Options.positive("--churn", args[++i]);
                    case "--native-dir" -> s.nativeDir = Path.of(args[++i]);
                    case "--out" -> s.out = Path.of(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            return s;
        }
    }

    /** The counters of one soakgen line. */
    record Counters(Map<String, Double> fields) {
        private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":(-?[0-9.]+)");

        static Counters parse(String json) {
            Map<String, Double> fields = new HashMap<>();
            Matcher m = FIELD.matcher(json);
            while (m.find()) fields.put(m.group(1), Double.parseDouble(m.group(2)));
            return new Counters(fields);
        }

        long get(String name) {
            return fields.getOrDefault(name, 0.0).longValue();
        }
    }

    static final String[] ERROR_KINDS = {"connect", "reset", "eof", "mismatch", "unexpected", "stalled", "other"};

    static final String USAGE = "usage: ./rawpoll soak [--servers callbacks,tasks] [--connections 10000] [--seconds 600] "
            + "[--settle 30] [--churn 300] [--out FILE.md]   (servers: c, nio, netty, callbacks, tasks)";

    public static void main(String[] args) throws Exception {
        if (java.util.Arrays.asList(args).contains("--help") || java.util.Arrays.asList(args).contains("-h")) {
            System.out.println(USAGE);
            return;
        }
        Settings settings;
        try {
            settings = Settings.parse(args);
            for (String name : settings.servers) Compare.server(name, settings.nativeDir); // a bad name fails now
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            System.err.println("rawpoll soak: " + (e instanceof ArrayIndexOutOfBoundsException ? "an option lacks its value" : e.getMessage())
                    + " (try ./rawpoll soak --help)");
            System.exit(2);
            return;
        }
        StringBuilder md = new StringBuilder(BenchMain.header("Soak", "./rawpoll soak " + String.join(" ", args)));
        md.append(String.format(Locale.ROOT, "%,d connections on loopback, at most %.0f endings (close, half-close, reset) "
                + "or idle spells a second; snapshots once every connection is open and %.0f s have passed (start), "
                + "%.0f s later with the load still on (end), and 2 s after the load has gone (after).%n%n",
                settings.connections, settings.churn, settings.settle, settings.seconds));
        for (String name : settings.servers) {
            md.append(soak(settings, Compare.server(name, settings.nativeDir, "-XX:NativeMemoryTracking=summary")));
            if (settings.out != null) Files.writeString(settings.out, md); // a later failure keeps what was measured
        }
        System.out.println(md);
    }

    /** One server's soak: its Markdown section. */
    static String soak(Settings settings, Compare.Server spec) throws IOException, InterruptedException {
        Path soakgen = settings.nativeDir.resolve("soakgen");
        if (!Files.isExecutable(soakgen)) throw new IOException(soakgen + " is missing: build native/ first (./mvnw -B -q package)");
        boolean jvm = !spec.name().equals("C");
        try (ServerProcess server = ServerProcess.start(spec.name(), spec.command())) {
            ProcessStats idle = ProcessStats.of(server.pid(), jvm);
            Process load = new ProcessBuilder(soakgen.toString(), "-p", Integer.toString(server.port),
                    "-c", Integer.toString(settings.connections), "-r", Double.toString(settings.churn),
                    "-d", Double.toString(settings.settle + settings.seconds + 300))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            AtomicReference<String> latest = new AtomicReference<>();
            AtomicReference<String> ready = new AtomicReference<>();
            AtomicReference<String> done = new AtomicReference<>();
            Thread reader = Thread.ofPlatform().daemon().name("soakgen-stdout").start(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(load.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) {
                        latest.set(line);
                        if (line.contains("\"event\":\"ready\"")) ready.set(line);
                        if (line.contains("\"event\":\"done\"")) done.set(line);
                    }
                } catch (IOException ignored) {
                    // soakgen is gone
                }
            });
            OutputStream stop = load.getOutputStream();
            try {
                long readyBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                while (ready.get() == null) {
                    if (!load.isAlive() || System.nanoTime() > readyBy) {
                        throw new IOException("soakgen did not open " + settings.connections + " connections: " + latest.get());
                    }
                    Thread.sleep(100);
                }
                System.err.printf(Locale.ROOT, "%s: %,d connections open; settling %.0f s%n", spec.name(), settings.connections, settings.settle);
                Thread.sleep((long) (settings.settle * 1000));
                Counters atStart = Counters.parse(latest.get());
                ProcessStats start = ProcessStats.of(server.pid(), jvm);
                System.err.printf(Locale.ROOT, "%s start: %s %s%n", spec.name(), start, latest.get());
                Thread.sleep((long) (settings.seconds * 1000));
                Counters atEnd = Counters.parse(latest.get());
                ProcessStats end = ProcessStats.of(server.pid(), jvm);
                System.err.printf(Locale.ROOT, "%s end: %s %s%n", spec.name(), end, latest.get());
                stop.close(); // soakgen resets every connection and prints its totals
                if (!load.waitFor(60, TimeUnit.SECONDS)) load.destroyForcibly();
                reader.join(5000);
                Thread.sleep(2000);
                ProcessStats after = ProcessStats.of(server.pid(), jvm);
                Counters total = done.get() == null ? Counters.parse(latest.get()) : Counters.parse(done.get());
                if (!server.isAlive()) throw new IOException(spec.name() + " server died (exit " + server.exitValue() + ")");
                return section(spec.name(), settings, idle, start, end, after, atStart, atEnd, total);
            } finally {
                if (load.isAlive()) {
                    stop.close();
                    if (!load.waitFor(30, TimeUnit.SECONDS)) load.destroyForcibly();
                }
            }
        }
    }

    private static String section(String server, Settings settings, ProcessStats idle, ProcessStats start, ProcessStats end,
                                  ProcessStats after, Counters atStart, Counters atEnd, Counters total) {
        StringBuilder md = new StringBuilder();
        md.append("## ").append(server).append("\n\n");
        md.append("| | before the load | start | end | end − start | after the load |\n|---|---:|---:|---:|---:|---:|\n");
        row(md, "open descriptors", idle.openFds(), start.openFds(), end.openFds(), after.openFds(), v -> String.format(Locale.ROOT, "%,d", v));
        row(md, "RSS", idle.rssKiB(), start.rssKiB(), end.rssKiB(), after.rssKiB(), ProcessStats::kib);
        row(md, "heap used after a full GC", idle.heapUsedKiB(), start.heapUsedKiB(), end.heapUsedKiB(), after.heapUsedKiB(), ProcessStats::kib);
        row(md, "Java heap committed (NMT; RSS follows it)", idle.nmtHeapCommittedKiB(), start.nmtHeapCommittedKiB(),
                end.nmtHeapCommittedKiB(), after.nmtHeapCommittedKiB(), ProcessStats::kib);
        row(md, "native memory committed outside the heap (NMT)", idle.nmtOutsideHeapKiB(), start.nmtOutsideHeapKiB(),
                end.nmtOutsideHeapKiB(), after.nmtOutsideHeapKiB(), ProcessStats::kib);
        row(md, "of which malloc (NMT)", idle.nmtMallocKiB(), start.nmtMallocKiB(), end.nmtMallocKiB(), after.nmtMallocKiB(), ProcessStats::kib);
        md.append(String.format(Locale.ROOT, "| connections open (soakgen) | 0 | %,d | %,d | | 0 |%n", atStart.get("open"), atEnd.get("open")));
        md.append('\n');
        long roundTrips = atEnd.get("round_trips") - atStart.get("round_trips");
        md.append(String.format(Locale.ROOT, "Between start and end (%.0f s): %,d round trips (%,.0f/s), %,d connects, %,d closes, "
                        + "%,d half-closes, %,d resets, %,d idle spells. Whole run: %,d round trips, %,d connects.%n%n",
                settings.seconds, roundTrips, roundTrips / settings.seconds, atEnd.get("connects") - atStart.get("connects"),
                atEnd.get("closes") - atStart.get("closes"), atEnd.get("half_closes") - atStart.get("half_closes"),
                atEnd.get("resets") - atStart.get("resets"), atEnd.get("idles") - atStart.get("idles"),
                total.get("round_trips"), total.get("connects")));
        List<String> errors = new ArrayList<>();
        for (String kind : ERROR_KINDS) {
            errors.add(kind + " " + String.format(Locale.ROOT, "%,d", total.get("err_" + kind)));
        }
        md.append("Errors by kind, whole run (seen by soakgen): ").append(String.join(", ", errors)).append(".\n\n");
        return md.toString();
    }

    private interface Format {
        String of(long value);
    }

    private static void row(StringBuilder md, String what, long idle, long start, long end, long after, Format format) {
        String change = start < 0 || end < 0 ? "–" : (end >= start ? "+" : "−") + format.of(Math.abs(end - start));
        md.append("| ").append(what).append(" | ").append(format.of(idle)).append(" | ").append(format.of(start)).append(" | ")
                .append(format.of(end)).append(" | ").append(change).append(" | ").append(format.of(after)).append(" |\n");
    }
}
