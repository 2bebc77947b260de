package dev.rawpoll.bench;

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
 *     [--no-syscalls] [--settle-window 1] [--settle-max 20] [--profile [--profile-dir DIR]] [--native-dir DIR] [--out FILE.md]
 * </pre>
 *
 * {@code --servers} takes any of {@link EchoServers#KNOWN} and the set names {@code default} (the
 * five above), {@code groups} ({@code nio-2,netty-2,callbacks-2,tasks-2}: two loops each) and
 * {@code uring} ({@code netty-uring,callbacks-uring,tasks-uring}); see {@link EchoServers#server}.
 *
 * <p>Repetitions are interleaved (every server at every point, then again), with the server order
 * rotated each time, so that a slow minute on this shared machine does not land on one server.
 * Per run: round trips/s from loadgen, the server's user and system CPU over the measured window
 * from {@code /proc/<pid>/stat} (read by loadgen, 10 ms ticks), and, in one extra pass that is kept
 * out of the CPU figures, system calls per round trip from {@code perf stat} when perf works here.
 *
 * <p>Before the repetitions, every Java server runs each point's load until the JIT compiled
 * nothing during one window (its {@code -XX:+PrintCompilation} lines are counted), and every
 * measured window counts what the JIT compiled in it: the table says where it had not settled.
 * With {@code --profile}, one more pass per point samples each server's CPU over the measured window
 * ({@link Profiles}: async-profiler for a JVM, perf for C) and writes the collapsed stacks and a
 * text summary of the top frames to {@code bench/results/profiles} (or {@code --profile-dir}).
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
        /** Whether the server is a JVM that reports its compilations; the rest is meaningless if not. */
        boolean jit;
        /** Load windows run before the repetitions until one saw no compilation; the last one's count. */
        int settleWindows;
        long lastSettleCompilations;
        /** Compilations (and deoptimisations) the server's JIT printed inside the measured windows. */
        long compilationsMeasured;
        /** Per repetition: the machine's idle share over the measured window, in percent ({@link MachineIdle}). */
        final List<Double> machineIdlePercent = new ArrayList<>();
    }

    static final class Settings {
        List<String> servers = EchoServers.DEFAULT;
        List<Integer> connections = List.of(1, 100, 1000, 10000);
        List<Integer> sizes = List.of(64, 16384);
        int repetitions = 3;
        double seconds = 4;
        double warmup = 1;
        /** The JIT settle check: load windows of this length, at most settleMaxWindows of them. */
        double settleWindow = 1;
        int settleMaxWindows = 20;
        boolean syscalls = true;
        boolean profile;
        Path profileDir = BenchMain.resultsDir().resolve("profiles");
        Path nativeDir = BenchMain.nativeDir();
        Path out;
        /**
         * {@code --pin LOADGEN_CPUS/SERVER_CPUS} (as {@code 0/1}): the load generator and the
         * servers (every thread of them) run on those CPUs only ({@code taskset -c}); null: where
         * the scheduler puts them.
         */
        String pinLoadgen;
        String pinServers;

        static Settings quick() {
            Settings s = new Settings();
            s.connections = List.of(1, 1000);
            s.seconds = 1;
            s.warmup = 0.5;
            s.settleWindow = 0.5;
            s.settleMaxWindows = 10;
            s.syscalls = false; // the perf pass would take --quick past 3 minutes
            return s;
        }

        static Settings parse(String[] args) {
            boolean quick = Arrays.asList(args).contains("--quick");
            Settings s = quick ? quick() : new Settings();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> { }
                    case "--servers" -> s.servers = EchoServers.expand(args[++i]);
                    case "--connections" -> s.connections = ints(args[++i]);
                    case "--sizes" -> s.sizes = ints(args[++i]);
                    case "--repetitions" -> s.repetitions = Integer.parseInt(args[++i]);
                    case "--seconds" -> s.seconds = Double.parseDouble(args[++i]);
                    case "--warmup" -> s.warmup = Double.parseDouble(args[++i]);
                    case "--settle-window" -> s.settleWindow = Double.parseDouble(args[++i]);
                    case "--settle-max" -> s.settleMaxWindows = Integer.parseInt(args[++i]);
                    case "--no-syscalls" -> s.syscalls = false;
                    case "--profile" -> s.profile = true;
                    case "--profile-dir" -> s.profileDir = Path.of(args[++i]);
                    case "--native-dir" -> s.nativeDir = Path.of(args[++i]);
                    case "--out" -> s.out = Path.of(args[++i]);
                    case "--pin" -> {
                        String[] cpus = args[++i].split("/", -1);
                        if (cpus.length != 2 || cpus[0].isBlank() || cpus[1].isBlank()) {
                            throw new IllegalArgumentException("--pin takes LOADGEN_CPUS/SERVER_CPUS, as 0/1: " + args[i]);
                        }
                        s.pinLoadgen = cpus[0];
                        s.pinServers = cpus[1];
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            return s;
        }

        /**
         * The 2-loop comparison (issue 16): NIO, Netty, callbacks and tasks on one loop and on two,
         * at 1,000 and 10,000 connections.
         */
        static Settings groups(boolean quick) {
            Settings s = quick ? quick() : new Settings();
            s.servers = EchoServers.expand("nio,netty,callbacks,tasks,groups");
            s.connections = List.of(1000, 10000);
            return s;
        }

        /** The io_uring comparison (issue 14): the default servers and the io_uring ones, at 1, 100, 1,000 and 10,000 connections. */
        static Settings uring(boolean quick) {
            Settings s = quick ? quick() : new Settings();
            s.servers = EchoServers.expand("default,uring");
            s.connections = quick ? List.of(1000) : List.of(1, 100, 1000, 10000);
            return s;
        }

        private static List<Integer> ints(String csv) {
            return Arrays.stream(csv.split(",")).map(String::trim).map(Integer::valueOf).toList();
        }

        String describe() {
            return String.format(Locale.ROOT, "servers %s; connections %s; sizes %s B; %d interleaved repetitions of %.1f s after %.1f s warmup",
                    String.join(",", servers), connections, sizes, repetitions, seconds, warmup)
                    + (pinLoadgen == null ? "" : "; load generator pinned to CPU " + pinLoadgen + ", servers to CPU " + pinServers);
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

    /** The server named {@code name}; see {@link EchoServers#server}. */
    static Server server(String name, Path nativeDir, String... jvmOptions) {
        return EchoServers.server(name, nativeDir, jvmOptions);
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
        // Dynamic agent loading (the profiler) is allowed without the JDK's warning when asked for.
        String[] jvmOptions = settings.profile ? new String[] {"-XX:+EnableDynamicAgentLoading"} : new String[0];
        List<Server> servers = settings.servers.stream().map(n -> server(n, settings.nativeDir, jvmOptions))
                .map(s -> settings.pinServers == null ? s : new Server(s.name(), Loadgen.pinned(settings.pinServers, s.command())))
                .toList();
        Loadgen.cpus = settings.pinLoadgen;
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
            for (Point p : points) {
                for (ServerProcess server : running) {
                    settle(settings, server, p, cells.get(p).get(server.name));
                }
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
            if (settings.profile) {
                Files.createDirectories(settings.profileDir);
                for (Point p : points) {
                    for (ServerProcess server : running) {
                        profile(settings, server, p);
                    }
                }
            }
        } finally {
            ServerProcess.closeAll(running);
        }
        return new Results(settings, cells, perf);
    }

    /**
     * The JIT settle check: runs the point's load in windows of {@code settleWindow} seconds until
     * the server's JIT compiled nothing during one and has nothing queued after it ({@code jcmd
     * Compiler.queue}; at most {@code settleMaxWindows} windows), so that the
     * measured repetitions start from compiled code, and the report can say where that failed.
     */
    private static void settle(Settings settings, ServerProcess server, Point p, Cell cell) throws IOException, InterruptedException {
        if (!server.reportsCompilations()) return;
        cell.jit = true;
        int failed = 0;
        while (cell.settleWindows < settings.settleMaxWindows && server.isAlive()) {
            long[] window = new long[2];
            cell.settleWindows++;
            try {
                Loadgen.run(settings.nativeDir, server.port, p.connections(), p.size(), settings.settleWindow, 0,
                        0, () -> window[0] = server.compilations(), () -> window[1] = server.compilations());
            } catch (Loadgen.Failure e) {
                // On a loaded machine a short window can end before any round trip: it still warmed up, try again.
                if (++failed == settings.settleMaxWindows) cell.failures.add("settle: " + e.getMessage());
                cell.lastSettleCompilations = -1;
                continue;
            }
            cell.lastSettleCompilations = window[1] - window[0];
            // A quiet window with compilations still queued (a JIT starved of CPU) is not settled.
            if (cell.lastSettleCompilations == 0 && server.compileQueueEmpty()) break;
        }
        System.err.printf(Locale.ROOT, "%-6s %5d conn %5d B: JIT settle: %d window(s) of %.1f s, %d compilation(s) in the last%n",
                server.name, p.connections(), p.size(), cell.settleWindows, settings.settleWindow, cell.lastSettleCompilations);
    }

    /**
     * One loadgen run with the server's CPU sampled for {@code seconds} inside its measured
     * window (which is made 10 s longer: each jcmd takes a second or two on a loaded machine);
     * writes {@code profile-SERVER-CONNECTIONSxSIZE.collapsed} and {@code .txt} (top frames), with
     * what the server's I/O threads allocated per round trip over the profiled time (asked of the
     * server before and after: {@link ServerProcess#ioThreadsAllocated()}, exact to the byte).
     */
    /**
     * {@code profile-SERVER-CONNECTIONSxSIZE} with the server's label reduced to lower-case letters,
     * digits and single dashes: the name goes into async-profiler's agent options, which it splits
     * on commas ("rawpoll callbacks 2 loops, hand-off" → {@code rawpoll-callbacks-2-loops-hand-off}).
     */
    static String profileBaseName(String server, int connections, int size) {
        String safe = server.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        return String.format(Locale.ROOT, "profile-%s-%dx%d", safe, connections, size);
    }

    private static void profile(Settings settings, ServerProcess server, Point p) throws IOException, InterruptedException {
        if (!server.isAlive()) return;
        String base = profileBaseName(server.name, p.connections(), p.size());
        Path collapsed = settings.profileDir.resolve(base + ".collapsed");
        boolean jvm = server.reportsCompilations();
        ServerProcess.Allocated[] allocated = new ServerProcess.Allocated[2]; // I/O threads' bytes before and after
        long[] sampled = {0, 0}; // nanoTime before and after
        Exception[] failed = new Exception[1];
        Thread[] profiler = new Thread[1];
        try {
            Loadgen.Result r = Loadgen.run(settings.nativeDir, server.port, p.connections(), p.size(), settings.seconds + 10,
                    settings.warmup, server.pid(), () -> profiler[0] = Thread.ofPlatform().name("profile-" + base).start(() -> {
                        try {
                            if (jvm) allocated[0] = server.ioThreadsAllocated();
                            sampled[0] = System.nanoTime();
                            Profiles.Session session = Profiles.start(server.pid(), jvm, collapsed, settings.seconds);
                            Thread.sleep((long) (settings.seconds * 1000));
                            session.stop();
                            sampled[1] = System.nanoTime();
                            if (jvm) allocated[1] = server.ioThreadsAllocated();
                        } catch (IOException | InterruptedException | RuntimeException e) {
                            failed[0] = e;
                        }
                    }));
            if (profiler[0] != null) profiler[0].join();
            if (failed[0] != null) throw new IOException(failed[0]);
            String title = String.format(Locale.ROOT, "CPU profile: %s, %,d connections × %,d B echo, %.1f s sampled under load (%s)%n"
                            + "%,.0f round trips/s (loadgen window around the profile), server CPU %.2f µs user + %.2f µs system per round trip",
                    server.name, p.connections(), p.size(), settings.seconds,
                    jvm ? "async-profiler 4.1, event=cpu" : "perf record -F 999 -g",
                    r.roundTripsPerSecond(), r.userMicrosPerRoundTrip(), r.systemMicrosPerRoundTrip());
            if (allocated[0] != null && allocated[1] != null && r.roundTripsPerSecond() > 0) {
                // The bytes are exact; the round trips are estimated from loadgen's rate over the sampled time.
                double roundTrips = r.roundTripsPerSecond() * (sampled[1] - sampled[0]) / 1e9;
                long bytes = allocated[1].bytes() - allocated[0].bytes();
                title += String.format(Locale.ROOT, "%nI/O threads (%d) allocated %,d B while sampled, about %.3f B per round trip "
                        + "(the JDK's per-thread counters, asked of the server on its stdin before and after)",
                        allocated[1].threads(), bytes, bytes / roundTrips);
            }
            Path text = settings.profileDir.resolve(base + ".txt");
            Files.writeString(text, Profiles.summary(collapsed, title, 30));
            System.err.println("profile written to " + text);
        } catch (IOException | RuntimeException e) { // a profile that fails must not lose the table
            System.err.println(server.name + ": profile failed: " + e);
        }
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
        long[] compilations = new long[2];
        MachineIdle[] idle = new MachineIdle[2];
        Runnable onMeasuring = syscallRate == null ? () -> {
            compilations[0] = server.compilations();
            idle[0] = MachineIdle.sample();
        } : () -> {
            try {
                counter[0] = PerfSyscalls.start(server.pid(), countedSeconds);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        try {
            Loadgen.Result r = Loadgen.run(settings.nativeDir, server.port, p.connections(), p.size(),
                    settings.seconds, settings.warmup, server.pid(), onMeasuring, () -> {
                        idle[1] = MachineIdle.sample();
                        compilations[1] = server.compilations();
                    });
            double idlePercent = idle[1] == null ? Double.NaN : idle[1].percentSince(idle[0]);
            if (syscallRate == null) {
                cell.runs.add(r);
                cell.compilationsMeasured += compilations[1] - compilations[0];
                cell.machineIdlePercent.add(idlePercent);
            } else if (counter[0] != null && r.roundTripsPerSecond() > 0) {
                cell.syscallsPerRoundTrip = counter[0].finishPerSecond() / r.roundTripsPerSecond();
            }
            System.err.printf(Locale.ROOT, "%-6s %5d conn %5d B: %10.0f rt/s%s%n", server.name, p.connections(), p.size(),
                    r.roundTripsPerSecond(), syscallRate != null ? String.format(Locale.ROOT, ", %.2f syscalls/rt", cell.syscallsPerRoundTrip)
                            : Double.isNaN(idlePercent) ? "" : String.format(Locale.ROOT, ", machine idle %.1f %%", idlePercent));
        } catch (Loadgen.Failure e) {
            cell.failures.add(e.getMessage());
            System.err.println(server.name + ": " + e.getMessage());
        }
    }
}
