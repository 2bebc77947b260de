package dev.rawpoll.demo;

import dev.rawpoll.demo.Trace.Kind;
import dev.rawpoll.loop.AsyncSockets;
import dev.rawpoll.Poller;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.EventLoopGroup;
import dev.rawpoll.loop.Task;
import dev.rawpoll.loop.Tasks;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./rawpoll demo}: the event-loop story in running code.
 *
 * <ol>
 *   <li>Blocking vs non-blocking: two tasks that each sleep 2 s. With a blocking sleep the loop
 *       thread is stuck in each sleep in turn (≈4 s); with the loop's sleep both wait at once (≈2 s).
 *   <li>I/O-bound vs CPU-bound, concurrency: three tasks, each a CPU-bound setup,
 *       a request to a slow server on loopback (I/O-bound), and CPU-bound post-processing. On one
 *       thread the CPU parts run one at a time while the three I/O waits overlap; the trace is drawn
 *       in the terminal and as an SVG file.
 *   <li>Concurrency vs parallelism: two CPU-bound tasks per loop, on one loop, then on an
 *       {@link EventLoopGroup}: wall times, speedup, one lane per loop thread, and a second SVG
 *       ({@code …-parallel.svg}).
 * </ol>
 *
 * <p>{@code --scale F} multiplies every duration (tests use a small one); {@code --svg FILE} names
 * the figure (default: {@code build/rawpoll-demo.svg} in the checkout when started by {@code
 * ./rawpoll}, which git ignores).
 */
public final class Demo {
    /** What one run measured, for the caller (and the tests) to check. */
    public record Result(double blockingSeconds, double nonBlockingSeconds, Trace trace, Path svg, double concurrentSeconds,
            double serverDelaySeconds, Parallel parallel) {}

    /** Section 3: the same CPU-bound tasks on one loop, then on {@code loops} loops, and the figure. */
    public record Parallel(int loops, double oneLoopSeconds, double groupSeconds, Trace trace, Path svg) {
        public double speedup() {
            return oneLoopSeconds / groupSeconds;
        }
    }

    /** Opens the poller of each loop the demo runs: {@link Poller#open()}, or another backend in tests. */
    @FunctionalInterface
    interface PollerFactory {
        Poller open() throws IOException;
    }

    private final double scale;
    private final PrintStream out;
    private final PollerFactory pollers;

    public Demo(double scale, PrintStream out) {
        this(scale, out, Poller::open);
    }

    /**
     * The demo with its loops on pollers from {@code pollers}. The slow server, which stands for
     * another machine, keeps the OS default poller.
     */
    Demo(double scale, PrintStream out, PollerFactory pollers) {
        this.scale = scale;
        this.out = out;
        this.pollers = pollers;
    }

    static final String USAGE = "usage: ./rawpoll demo [--scale F (0 < F <= 100, default 1: every duration multiplied by F)] [--svg FILE]";

    public static void main(String[] args) throws Exception {
        double scale;
        Path svg;
        try {
            CommandLine options = CommandLine.read("demo", USAGE, args, "--scale", "--svg");
            scale = options.positive("--scale", 1.0, 100);
            svg = options.outputFile("--svg", defaultSvg());
        } catch (CommandLine.UsageException e) {
            CommandLine.exit(e, USAGE);
            return;
        }
        Files.createDirectories(svg.toAbsolutePath().getParent());
        new Demo(scale, System.out).run(svg);
    }

    /** {@code rawpoll.demo.svg} (the launcher points it into the ignored build directory), else the working directory. */
    private static Path defaultSvg() {
        return Path.of(System.getProperty("rawpoll.demo.svg", "rawpoll-demo.svg")).toAbsolutePath();
    }

    public Result run(Path svg) throws Exception {
        out.println("== 1. Blocking vs non-blocking: two tasks that each sleep " + seconds(2000) + " ==");
        double blocking = twoSleepers(true);
        out.printf(Locale.ROOT, "  blocking sleep (Thread.sleep in each task):   %.2f s  - the loop thread is stuck in one sleep, then the other%n", blocking);
        double nonBlocking = twoSleepers(false);
        out.printf(Locale.ROOT, "  non-blocking sleep (the loop's Tasks.sleep):  %.2f s  - both tasks wait at the same time on one thread%n%n", nonBlocking);

        out.println("== 2. I/O-bound vs CPU-bound: three tasks on one thread ==");
        out.println("  each task: CPU-bound setup, a request to a slow server on loopback (I/O-bound), CPU-bound post-processing");
        Trace trace = threeTasks();
        double concurrent = trace.endNanos() / 1e9;
        out.println();
        out.print(TraceChart.terminal(trace, 72).indent(2));
        out.printf(Locale.ROOT, "%n  total %.2f s. CPU segments running at once: at most %d (concurrency on one core, no parallelism);%n",
                concurrent, trace.maxOverlap(Kind.CPU));
        out.printf(Locale.ROOT, "  I/O waits in progress at once: up to %d - the OS watches all three sockets while the loop runs CPU work.%n",
                trace.maxOverlap(Kind.IO));
        out.println();
        out.println("  what the loop thread did between task steps - each poll that returned work:");
        out.print(lastWatch.log().indent(4));
        Files.writeString(svg, TraceChart.svg(trace, "Three tasks on one event-loop thread: CPU one at a time, I/O waits overlap"));
        out.println("  figure written to " + svg.toAbsolutePath());

        Parallel parallel = parallelism(svg.resolveSibling(parallelSvgName(svg)));
        return new Result(blocking, nonBlocking, trace, svg, concurrent, scaled(1000) / 1000.0, parallel);
    }

    /**
     * Section 3: {@code 2 × loops} CPU-bound tasks, first on one loop (one thread: they take turns),
     * then on an {@link EventLoopGroup} of one loop per processor (the tasks spread round the loops
     * and run at the same instant on different cores).
     */
    private Parallel parallelism(Path svg) throws Exception {
        int loops = Math.max(2, Runtime.getRuntime().availableProcessors());
        int tasks = 2 * loops;
        // At least 100 ms a task, also when scaled down: shorter work would measure thread start-up.
        long cpuMillis = Math.max(100, scaled(250));
        out.println();
        out.printf(Locale.ROOT, "== 3. Concurrency vs parallelism: %d CPU-bound tasks of %.2f s, on one loop, then on %d loops ==%n",
                tasks, cpuMillis / 1000.0, loops);
        out.printf(Locale.ROOT, "  this machine has %d processor(s); a group runs one event loop per thread, one thread per core%n",
                Runtime.getRuntime().availableProcessors());

        Trace one = new Trace();
        long start = System.nanoTime();
        try (EventLoop loop = EventLoop.open(pollers.open())) {
            loop.runUntilComplete(() -> {
                List<Task<Object>> all = new ArrayList<>();
                for (int i = 1; i <= tasks; i++) {
                    String name = "task " + i;
                    all.add(Tasks.spawn(() -> cpuTask(one, "one loop", name, cpuMillis)));
                }
                return Tasks.await(Tasks.gather(all));
            });
        }
        double oneLoop = (System.nanoTime() - start) / 1e9;

        Trace group = new Trace();
        start = System.nanoTime();
        try (EventLoopGroup g = EventLoopGroup.open(loops)) {
            List<java.util.concurrent.CompletableFuture<Object>> all = new ArrayList<>();
            for (int i = 1; i <= tasks; i++) {
                String name = "task " + i;
                int index = (i - 1) % loops;
                String lane = "loop " + (index + 1) + " of " + loops;
                all.add(g.spawn(g.loop(index), () -> cpuTask(group, lane, name, cpuMillis)));
            }
            for (var f : all) f.get();
        }
        double grouped = (System.nanoTime() - start) / 1e9;

        Trace both = new Trace(); // lanes: the one loop, then the group's loops in order
        one.segments().forEach(both::add);
        group.segments().stream().sorted(java.util.Comparator.comparing(Trace.Segment::task)).forEach(both::add);
        out.println();
        out.print(TraceChart.terminalByTask(both, 72).indent(2));
        out.printf(Locale.ROOT, "%n  one loop: %.2f s - the tasks take turns on one thread (concurrency: interleaved, never at once)%n", oneLoop);
        out.printf(Locale.ROOT, "  %d loops:  %.2f s - %.1f x faster: the loops run on %d cores at the same instant (parallelism)%n",
                loops, grouped, oneLoop / grouped, Math.min(loops, Runtime.getRuntime().availableProcessors()));
        out.printf(Locale.ROOT, "  CPU segments running at once: %d on one loop, up to %d with the group%n",
                one.maxOverlap(Kind.CPU), group.maxOverlap(Kind.CPU));
        Files.writeString(svg, TraceChart.svg(both, "The same CPU-bound tasks: one loop (taking turns), then one loop per core (side by side)"));
        out.println("  figure written to " + svg.toAbsolutePath());
        return new Parallel(loops, oneLoop, grouped, both, svg);
    }

    /** One CPU-bound task: about {@code millis} of hashing, recorded on {@code lane} under {@code name}. */
    private static Object cpuTask(Trace trace, String lane, String name, long millis) throws Exception {
        long t0 = trace.now();
        cpuBound(name, millis);
        trace.record(lane, Kind.CPU, name, t0);
        return null;
    }

    /** {@code demo.svg} → {@code demo-parallel.svg}. */
    private static String parallelSvgName(Path svg) {
        String name = svg.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return (dot > 0 ? name.substring(0, dot) : name) + "-parallel" + (dot > 0 ? name.substring(dot) : ".svg");
    }

    private double twoSleepers(boolean blocking) throws Exception {
        long sleepMillis = scaled(2000);
        try (EventLoop loop = EventLoop.open(pollers.open())) {
            long start = System.nanoTime();
            loop.runUntilComplete(() -> {
                List<Task<Object>> sleepers = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    sleepers.add(Tasks.spawn(() -> {
                        if (blocking) {
                            Thread.sleep(sleepMillis); // blocks the only thread: nothing else runs
                        } else {
                            Tasks.sleep(Duration.ofMillis(sleepMillis)); // pauses this task only
                        }
                        return null;
                    }));
                }
                return Tasks.await(Tasks.gather(sleepers));
            });
            return (System.nanoTime() - start) / 1e9;
        }
    }

    /**
     * Runs the three tasks on one loop, watched by a {@link LoopWatch}, against a slow server that
     * runs on its own loop and thread (so its replies do not wait for the tasks' CPU work); returns
     * their trace, which starts with them.
     */
    private Trace threeTasks() throws Exception {
        long cpuMillis = scaled(300);
        long serverDelayMillis = scaled(1000);
        // Post-processing is shorter than the setups are staggered, so that each reply finds the
        // loop thread free: the I/O bars then show the server's delay and nothing else.
        try (SlowServer server = SlowServer.start(serverDelayMillis)) {
            out.printf(Locale.ROOT, "  the slow server runs on its own thread and answers each request after %.2f s%n", serverDelayMillis / 1000.0);
            Trace trace = new Trace();
            LoopWatch watch = new LoopWatch(pollers.open(), trace);
            try (EventLoop loop = EventLoop.open(watch)) {
                loop.runUntilComplete(() -> {
                    List<Task<String>> tasks = new ArrayList<>();
                    for (int i = 1; i <= 3; i++) {
                        String name = "task " + i;
                        tasks.add(Tasks.spawn(() -> oneTask(name, server.address(), cpuMillis, trace, watch)));
                    }
                    return Tasks.await(Tasks.gather(tasks));
                });
            }
            lastWatch = watch;
            return trace;
        }
    }

    /** The loop's polls of the last {@link #threeTasks()} run, for {@link #run}'s printout. */
    private LoopWatch lastWatch;

    private static String oneTask(String name, InetSocketAddress server, long cpuMillis, Trace trace, LoopWatch watch) throws Exception {
        long t0 = trace.now();
        byte[] request = cpuBound(name, cpuMillis);
        trace.record(name, Kind.CPU, "setup", t0);

        long t1 = trace.now();
        byte[] response;
        try (TcpStream s = AsyncSockets.connect(server)) {
            watch.name(s.handle(), name);
            AsyncSockets.writeAll(s, request, 0, request.length);
            response = new byte[request.length];
            AsyncSockets.readFully(s, response, 0, response.length);
            watch.name(s.handle(), null);
        }
        trace.record(name, Kind.IO, "request", t1);

        long t2 = trace.now();
        byte[] digest = cpuBound(new String(response, StandardCharsets.US_ASCII), cpuMillis * 2 / 3);
        trace.record(name, Kind.CPU, "post-processing", t2);
        return name + ":" + digest.length;
    }

    /** CPU-bound work for about {@code millis}: hashing, which no I/O can overlap on one thread. */
    private static byte[] cpuBound(String seed, long millis) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] data = (seed + " ".repeat(32)).substring(0, 32).getBytes(StandardCharsets.US_ASCII);
        long end = System.nanoTime() + millis * 1_000_000;
        do {
            for (int i = 0; i < 50; i++) data = sha.digest(data); // short steps: the deadline holds on a cold JVM too
        } while (System.nanoTime() < end);
        byte[] printable = new byte[32];
        for (int i = 0; i < 32; i++) printable[i] = (byte) ('a' + (data[i] & 0x0F));
        return printable;
    }

    private long scaled(long millis) {
        return Math.max(1, Math.round(millis * scale));
    }

    private String seconds(long millis) {
        return String.format(Locale.ROOT, "%.2f s", scaled(millis) / 1000.0);
    }

}
