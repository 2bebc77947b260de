package dev.rawpoll.bench;

import dev.rawpoll.bench.servers.NettyEchoServer;
import dev.rawpoll.bench.servers.NioEchoServer;
import dev.rawpoll.bench.servers.RawpollCallbackEchoServer;
import dev.rawpoll.bench.servers.RawpollTaskEchoServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The echo comparison: starts every server under test as its own process, drives each with the C
 * load generator at every (connections, message size) point, and prints a Markdown table of
 * medians with ratios to the NIO and C servers.
 *
 * <pre>
 * java -cp bench/target/rawpoll-bench-*-all.jar dev.rawpoll.bench.Compare [--quick] [--servers c,nio,netty,callbacks,tasks]
 *     [--connections 1,100,1000,10000] [--sizes 64,16384] [--repetitions 3] [--seconds 4] [--warmup 1]
 *     [--no-syscalls] [--native-dir DIR] [--out FILE.md]
 * </pre>
 *
 * Repetitions are interleaved (every server at every point, then again), with the server order
 * rotated each time, so that a slow minute on this shared machine does not land on one server.
 * Per run: round trips/s from loadgen, the server's user and system CPU over the measured window
 * from {@code /proc/<pid>/stat} (read by loadgen, 10 ms ticks), and, in one extra pass that is kept
 * out of the CPU figures, system calls per round trip from {@code perf stat} when perf works here.
 */
public final class Compare {
    /** A server that Compare knows how to start. */
    record Server(String name, List<String> command) {}

    record Point(int connections, int size) {}

    /** One server at one point, over all repetitions. */
    static final class Cell {
        final List<Loadgen.Result> runs = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        double syscallsPerRoundTrip = Double.NaN;
    }

    static final class Settings {
        List<String> servers = List.of("c", "nio", "netty", "callbacks", "tasks");
        List<Integer> connections = List.of(1, 100, 1000, 10000);
        List<Integer> sizes = List.of(64, 16384);
        int repetitions = 3;
        double seconds = 4;
        double warmup = 1;
        boolean syscalls = true;
        Path nativeDir = BenchMain.nativeDir();
        Path out;

        static Settings quick() {
            Settings s = new Settings();
            s.connections = List.of(1, 1000);
            s.seconds = 1;
            s.warmup = 0.5;
            s.syscalls = false; // the perf pass would take --quick past 3 minutes
            return s;
        }

        static Settings parse(String[] args) {
            boolean quick = Arrays.asList(args).contains("--quick");
            Settings s = quick ? quick() : new Settings();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> { }
                    case "--servers" -> s.servers = List.of(args[++i].split(","));
                    case "--connections" -> s.connections = ints(args[++i]);
                    case "--sizes" -> s.sizes = ints(args[++i]);
                    case "--repetitions" -> s.repetitions = Integer.parseInt(args[++i]);
                    case "--seconds" -> s.seconds = Double.parseDouble(args[++i]);
                    case "--warmup" -> s.warmup = Double.parseDouble(args[++i]);
                    case "--no-syscalls" -> s.syscalls = false;
                    case "--native-dir" -> s.nativeDir = Path.of(args[++i]);
                    case "--out" -> s.out = Path.of(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            return s;
        }

        private static List<Integer> ints(String csv) {
            return Arrays.stream(csv.split(",")).map(String::trim).map(Integer::valueOf).toList();
        }

        String describe() {
            return String.format(Locale.ROOT, "servers %s; connections %s; sizes %s B; %d interleaved repetitions of %.1f s after %.1f s warmup",
                    String.join(",", servers), connections, sizes, repetitions, seconds, warmup);
        }
    }

    private Compare() {}

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        String table = run(settings);
        System.out.println(table);
        if (settings.out != null) {
            Files.writeString(settings.out, BenchMain.header("Echo comparison", "java -cp bench/target/rawpoll-bench-*-all.jar dev.rawpoll.bench.Compare " + String.join(" ", args)) + table);
        }
    }

    static Server server(String name, Path nativeDir) {
        return server(name, nativeDir, new String[0]);
    }

    /** The server named {@code name}; a Java server's JVM gets {@code jvmOptions} too. */
    static Server server(String name, Path nativeDir, String... jvmOptions) {
        return switch (name) {
            case "c" -> new Server("C", ServerProcess.cServer(nativeDir));
            case "nio" -> new Server("NIO", ServerProcess.javaServer(NioEchoServer.class.getName(), jvmOptions));
            case "netty" -> new Server("Netty", ServerProcess.javaServer(NettyEchoServer.class.getName(), jvmOptions));
            case "callbacks" -> new Server("rawpoll callbacks", ServerProcess.javaServer(RawpollCallbackEchoServer.class.getName(), jvmOptions));
            case "tasks" -> new Server("rawpoll tasks", ServerProcess.javaServer(RawpollTaskEchoServer.class.getName(), jvmOptions));
            default -> throw new IllegalArgumentException("unknown server " + name + " (known: c, nio, netty, callbacks, tasks)");
        };
    }

    /** What one comparison measured: every cell, and whether system calls were counted. */
    record Results(Settings settings, Map<Point, Map<String, Cell>> cells, boolean perf) {
        String markdown() {
            return Report.markdown(settings, cells, perf);
        }
    }

    /** Runs the comparison and returns the Markdown (settings line, table, notes). */
    static String run(Settings settings) throws IOException, InterruptedException {
        return measure(settings).markdown();
    }

    /** Runs the comparison. */
    static Results measure(Settings settings) throws IOException, InterruptedException {
        Loadgen.executable(settings.nativeDir);
        List<Server> servers = settings.servers.stream().map(n -> server(n, settings.nativeDir)).toList();
        List<Point> points = new ArrayList<>();
        for (int size : settings.sizes) {
            for (int connections : settings.connections) {
                points.add(new Point(connections, size));
            }
        }
        boolean perf = settings.syscalls && PerfSyscalls.available();
        Map<Point, Map<String, Cell>> cells = new LinkedHashMap<>();
        for (Point p : points) {
            Map<String, Cell> row = new LinkedHashMap<>();
            for (Server s : servers) row.put(s.name(), new Cell());
            cells.put(p, row);
        }

        List<ServerProcess> running = new ArrayList<>();
        try {
            for (Server s : servers) {
                running.add(ServerProcess.start(s.name(), s.command()));
            }
            for (int rep = 0; rep < settings.repetitions; rep++) {
                for (Point p : points) {
                    for (int k = 0; k < running.size(); k++) {
                        ServerProcess server = running.get((k + rep) % running.size());
                        Cell cell = cells.get(p).get(server.name);
                        runOnce(settings, server, p, cell, null);
                    }
                }
            }
            if (perf) {
                for (Point p : points) {
                    for (ServerProcess server : running) {
                        runOnce(settings, server, p, cells.get(p).get(server.name), new double[1]);
                    }
                }
            }
        } finally {
            ServerProcess.closeAll(running);
        }
        return new Results(settings, cells, perf);
    }

    /** One loadgen run; with {@code syscallRate} non-null it only counts system calls (perf pass). */
    private static void runOnce(Settings settings, ServerProcess server, Point p, Cell cell, double[] syscallRate)
            throws IOException, InterruptedException {
        if (!server.isAlive()) {
            cell.failures.add(server.name + " server died (exit " + server.exitValue() + ")");
            return;
        }
        PerfSyscalls[] counter = new PerfSyscalls[1];
        double countedSeconds = Math.max(0.2, settings.seconds - 0.1);
        Runnable onMeasuring = syscallRate == null ? () -> { } : () -> {
            try {
                counter[0] = PerfSyscalls.start(server.pid(), countedSeconds);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        try {
            Loadgen.Result r = Loadgen.run(settings.nativeDir, server.port, p.connections(), p.size(),
                    settings.seconds, settings.warmup, server.pid(), onMeasuring);
            if (syscallRate == null) {
                cell.runs.add(r);
            } else if (counter[0] != null && r.roundTripsPerSecond() > 0) {
                cell.syscallsPerRoundTrip = counter[0].finishPerSecond() / r.roundTripsPerSecond();
            }
            System.err.printf(Locale.ROOT, "%-6s %5d conn %5d B: %10.0f rt/s%s%n", server.name, p.connections(), p.size(),
                    r.roundTripsPerSecond(), syscallRate == null ? "" : String.format(Locale.ROOT, ", %.2f syscalls/rt", cell.syscallsPerRoundTrip));
        } catch (Loadgen.Failure e) {
            cell.failures.add(e.getMessage());
            System.err.println(server.name + ": " + e.getMessage());
        }
    }
}
