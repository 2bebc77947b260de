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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

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
 *   <li>Concurrency vs parallelism: two CPU-bound tasks per loop, each a fixed number of hash
 *       steps, on one loop, then on an {@link EventLoopGroup}: wall times, the speedup for the
 *       same work, one lane per loop thread, and a second SVG ({@code …-parallel.svg}).
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

    /**
     * Section 3: the same CPU-bound tasks on one loop, then on {@code loops} loops, and the figure.
     * Each task did {@code stepsPerTask} hash steps; {@code oneLoopSteps} and {@code groupSteps} are
     * the steps each run counted, so the two wall times are for the same work.
     */
    public record Parallel(int loops, int processors, long stepsPerTask, long oneLoopSteps, long groupSteps,
            double oneLoopSeconds, double groupSeconds, Trace trace, Path svg) {
        /** One loop's wall time over the group's, for the same work. */
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
     * then on an {@link EventLoopGroup} of one loop per processor, at least two (the tasks spread
     * round the loops, and run at the same instant where there are cores for them).
     */
    private Parallel parallelism(Path svg) throws Exception {
        // At least 100 ms a task, also when scaled down: shorter work would measure thread start-up.
        return parallelism(svg, Math.max(2, Runtime.getRuntime().availableProcessors()), Math.max(100, scaled(250)));
    }

    /**
     * Section 3 with {@code loops} loops and tasks of about {@code cpuMillis} each. Both runs do the
     * same work: a number of hash steps a task, calibrated once before them, so that the speedup
     * is what the cores gave and not how long the tasks chose to run.
     */
    Parallel parallelism(Path svg, int loops, long cpuMillis) throws Exception {
        int processors = Runtime.getRuntime().availableProcessors();
        int tasks = 2 * loops;
        long steps = CpuWork.calibrate(cpuMillis);
        out.println();
        out.printf(Locale.ROOT, "== 3. Concurrency vs parallelism: %d CPU-bound tasks of %.2f s, on one loop, then on %d loops ==%n",
                tasks, cpuMillis / 1000.0, loops);
        out.printf(Locale.ROOT, "  this process may use %d processor(s); a group runs one event loop per thread%n", processors);
        out.printf(Locale.ROOT, "  each task does the same work in both runs: %d hash steps, measured to take %.2f s on this thread%n",
                steps, cpuMillis / 1000.0);

        Trace one = new Trace();
        LongAdder oneSteps = new LongAdder();
        long start = System.nanoTime();
        try (EventLoop loop = EventLoop.open(pollers.open())) {
            loop.runUntilComplete(() -> {
                List<Task<Object>> all = new ArrayList<>();
                for (int i = 1; i <= tasks; i++) {
                    String name = "task " + i;
                    all.add(Tasks.spawn(() -> cpuTask(one, "one loop", name, steps, oneSteps)));
                }
                return Tasks.await(Tasks.gather(all));
            });
        }
        double oneLoop = (System.nanoTime() - start) / 1e9;

        Trace group = new Trace();
        LongAdder groupSteps = new LongAdder();
        start = System.nanoTime();
        try (EventLoopGroup g = EventLoopGroup.open(loops)) {
            List<CompletableFuture<Object>> all = new ArrayList<>();
            for (int i = 1; i <= tasks; i++) {
                String name = "task " + i;
                int index = (i - 1) % loops;
                String lane = "loop " + (index + 1) + " of " + loops;
                all.add(g.spawn(g.loop(index), () -> cpuTask(group, lane, name, steps, groupSteps)));
            }
            for (var f : all) f.get();
        }
        double grouped = (System.nanoTime() - start) / 1e9;

        Trace both = new Trace(); // lanes: the one loop, then the group's loops in order
        one.segments().forEach(both::add);
        group.segments().stream().sorted(Comparator.comparing(Trace.Segment::task)).forEach(both::add);
        Parallel result = new Parallel(loops, processors, steps, oneSteps.sum(), groupSteps.sum(), oneLoop, grouped, both, svg);
        out.println();
        out.print(TraceChart.terminalByTask(both, 72).indent(2));
        out.printf(Locale.ROOT, "%n  one loop: %.2f s - the tasks take turns on one thread (concurrency: interleaved, never at once)%n", oneLoop);
        out.printf(Locale.ROOT, "  %d loops:  %.2f s - speedup %.1f x for the same %d hash steps%n",
                loops, grouped, result.speedup(), result.groupSteps());
        out.printf(Locale.ROOT, "  tasks in progress at once: %d on one loop, up to %d with the group%n",
                one.maxOverlap(Kind.CPU), group.maxOverlap(Kind.CPU));
        out.println("  " + verdict(processors, loops, result.speedup()));
        Files.writeString(svg, TraceChart.svg(both,
                String.format(Locale.ROOT, "The same CPU-bound work: one loop (taking turns), then %d loops on %d processor(s)", loops, processors),
                "CPU: a task running on that lane's thread"));
        out.println("  figure written to " + svg.toAbsolutePath());
        return result;
    }

    /**
     * What the speedup says, in words true for the processors this process may use: the group's
     * lanes overlap in time on any machine (the OS shares one core between the loops' threads), but
     * only a speedup shows that they ran at the same instant.
     */
    static String verdict(int processors, int loops, double speedup) {
        if (loops == 1) {
            return String.format(Locale.ROOT, "one loop in the group: one thread, so no parallelism (%.1f x)", speedup);
        }
        if (processors == 1) {
            return String.format(Locale.ROOT,
                    "one processor: the %d loops' threads took turns on it, so their lanes overlap in time but never ran at the same instant: no parallelism (%.1f x)",
                    loops, speedup);
        }
        int cores = Math.min(loops, processors);
        if (speedup >= 1.2) {
            return String.format(Locale.ROOT,
                    "the loops ran at the same instant on different cores (parallelism): %.1f x is what up to %d cores gave",
                    speedup, cores);
        }
        return String.format(Locale.ROOT,
                "the loops could run on %d cores at once but gave only %.1f x: other work kept the cores busy, so the threads mostly took turns",
                cores, speedup);
    }

    /** One CPU-bound task: {@code steps} hash steps, recorded on {@code lane} under {@code name} and counted in {@code done}. */
    private static Object cpuTask(Trace trace, String lane, String name, long steps, LongAdder done) {
        long t0 = trace.now();
        done.add(CpuWork.steps(name, steps));
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
        byte[] request = CpuWork.forMillis(name, cpuMillis);
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
        byte[] digest = CpuWork.forMillis(new String(response, StandardCharsets.US_ASCII), cpuMillis * 2 / 3);
        trace.record(name, Kind.CPU, "post-processing", t2);
        return name + ":" + digest.length;
    }

    private long scaled(long millis) {
        return Math.max(1, Math.round(millis * scale));
    }

    private String seconds(long millis) {
        return String.format(Locale.ROOT, "%.2f s", scaled(millis) / 1000.0);
    }

}
