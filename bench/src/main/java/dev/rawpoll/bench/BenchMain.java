package dev.rawpoll.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code ./rawpoll bench [--quick]}: the standard set. Runs the JMH micro benchmarks (with the GC
 * profiler, for bytes allocated per operation), then the echo comparison, and writes
 * {@code micro.md} and {@code echo.md} to the results directory ({@code bench/results}, or the
 * system property {@code rawpoll.results.dir}). {@code --quick} runs fewer points for shorter
 * times, to finish in under 3 minutes, and writes {@code micro-quick.md} and {@code echo-quick.md}
 * (so a quick check never replaces the standard tables); {@code --micro-only} and {@code
 * --echo-only} run one half; {@code --repetitions N} overrides the number of interleaved echo
 * and virtual-thread repetitions (the results files name the command, so a shortened run says so).
 *
 * <p>Two named echo sets run alone instead of the standard set (neither is in it: each takes
 * tens of minutes): {@code --groups}, the 2-loop rows ({@link Compare.Settings#groups}) into
 * {@code echo-groups.md}, and {@code --uring}, the io_uring rows ({@link Compare.Settings#uring})
 * into {@code echo-uring.md}; with {@code --quick}, shorter, into the {@code -quick} files.
 *
 * <pre>java -cp bench/target/rawpoll-bench-*-all.jar dev.rawpoll.bench.BenchMain [--quick] [--micro-only | --echo-only | --groups | --uring] [--repetitions N]</pre>
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        List<String> options = Arrays.asList(args);
        int repetitions = 0; // 0: the mode's default
        String usage = "usage: ./rawpoll bench [--quick] [--micro-only | --echo-only | --groups | --uring] [--repetitions N]";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--help") || args[i].equals("-h")) {
                System.out.println(usage);
                return;
            }
            if (args[i].equals("--repetitions")) {
                try {
                    if (i + 1 >= args.length) throw new IllegalArgumentException("--repetitions needs a value");
                    repetitions = Options.integer("--repetitions", args[++i], 1, 100);
                } catch (IllegalArgumentException e) {
                    System.err.println("rawpoll bench: " + e.getMessage() + " (" + usage + ")");
                    System.exit(2);
                }
            } else if (!List.of("--quick", "--micro-only", "--echo-only", "--groups", "--uring").contains(args[i])) {
                System.err.println("rawpoll bench: unknown option '" + args[i] + "' (" + usage + ")");
                System.exit(2);
            }
        }
        boolean quick = options.contains("--quick");
        String command = "./rawpoll bench" + (args.length == 0 ? "" : " " + String.join(" ", args));
        Path results = resultsDir();
        Files.createDirectories(results);
        String suffix = quick ? "-quick" : "";
        for (String set : List.of("groups", "uring")) {
            if (!options.contains("--" + set)) continue;
            Compare.Settings settings = set.equals("groups") ? Compare.Settings.groups(quick) : Compare.Settings.uring(quick);
            if (repetitions > 0) settings.repetitions = repetitions;
            Compare.Results echo = Compare.measure(settings);
            write(results.resolve("echo-" + set + suffix + ".md"), header("Echo comparison: " + set, command) + echo.markdown());
        }
        if (options.contains("--groups") || options.contains("--uring")) return;
        if (!options.contains("--echo-only")) {
            List<RunResult> micro = runMicro(quick);
            write(results.resolve("micro" + suffix + ".md"), header("Micro benchmarks (JMH)", command) + MicroReport.markdown(micro));
            chart(() -> Charts.poll(MicroReport.rows(micro), results.resolve("poll" + suffix + ".png")));
        }
        if (!options.contains("--micro-only")) {
            Compare.Settings settings = quick ? Compare.Settings.quick() : new Compare.Settings();
            if (repetitions > 0) settings.repetitions = repetitions;
            Compare.Results echo = Compare.measure(settings);
            write(results.resolve("echo" + suffix + ".md"), header("Echo comparison", command) + echo.markdown());
            chart(() -> Charts.echo(echo, results.resolve("echo" + suffix + ".png")));
            VirtualThreadEchoBench.Settings vt = quick ? VirtualThreadEchoBench.Settings.quick() : new VirtualThreadEchoBench.Settings();
            if (repetitions > 0) vt.repetitions = repetitions;
            write(results.resolve("vthreads" + suffix + ".md"),
                    header("Virtual threads: rawpoll BlockingSockets vs java.net", command) + VirtualThreadEchoBench.run(vt));
        }
    }

    private interface ChartWriter {
        void write() throws IOException;
    }

    /** A chart that cannot be drawn (no fonts on a bare server, say) must not lose the tables. */
    private static void chart(ChartWriter writer) {
        try {
            writer.write();
        } catch (IOException | RuntimeException | Error e) {
            System.err.println("chart not written: " + e);
        }
    }

    private static void write(Path file, String markdown) throws IOException {
        Files.writeString(file, markdown);
        System.out.println(markdown);
        System.out.println("written to " + file);
    }

    /** JMH runs of the standard set; {@code ready > registered} points are left out. */
    static List<RunResult> runMicro(boolean quick) throws RunnerException {
        List<RunResult> all = new ArrayList<>();
        String poll = PollBench.class.getName();
        if (quick) {
            all.addAll(run(base(true).include(poll + "\\.(rawpoll|rawpollIoUring|epollWaitFloor|ioUringEnterFloor|nioSelectNow)$")
                    .param("registered", "1000").param("ready", "1", "64")));
        } else {
            all.addAll(run(base(false).include(poll + "\\.").param("registered", "1").param("ready", "0", "1")));
            all.addAll(run(base(false).include(poll + "\\.").param("registered", "1000", "10000")));
        }
        all.addAll(run(base(quick).include(ChurnBench.class.getName() + "\\.").include(WakeupBench.class.getName() + "\\.")));
        if (quick) {
            all.addAll(run(base(true).include(TimerHeapBench.class.getName() + "\\.").param("heapSize", "1000")));
        } else {
            all.addAll(run(base(false).include(TimerHeapBench.class.getName() + "\\.")));
        }
        all.addAll(run(base(quick).include(TaskSwitchBench.class.getName() + "\\.")));
        all.addAll(run(base(quick).include(TaskWaitBench.class.getName() + "\\.")));
        return all;
    }

    private static ChainedOptionsBuilder base(boolean quick) {
        ChainedOptionsBuilder b = new OptionsBuilder().forks(1).addProfiler(GCProfiler.class).shouldFailOnError(true);
        return quick
                ? b.warmupIterations(2).warmupTime(TimeValue.milliseconds(500)).measurementIterations(3).measurementTime(TimeValue.milliseconds(500))
                : b.warmupIterations(3).warmupTime(TimeValue.seconds(1)).measurementIterations(5).measurementTime(TimeValue.seconds(1));
    }

    private static Collection<RunResult> run(ChainedOptionsBuilder options) throws RunnerException {
        return new Runner(options.build()).run();
    }

    /** Where the C programs are: system property {@code rawpoll.native.dir}, else {@code java/target/native}. */
    static Path nativeDir() {
        String dir = System.getProperty("rawpoll.native.dir", System.getenv("RAWPOLL_NATIVE_DIR"));
        return dir != null ? Path.of(dir) : repositoryRoot().resolve("java/target/native");
    }

    /** System property {@code rawpoll.results.dir}, else {@code bench/results}. */
    static Path resultsDir() {
        String dir = System.getProperty("rawpoll.results.dir");
        return dir != null ? Path.of(dir) : repositoryRoot().resolve("bench/results");
    }

    /**
     * The checkout this code runs from, whatever the working directory: the jar (or classes
     * directory) is in {@code bench/target}. The working directory if that is not so.
     */
    static Path repositoryRoot() {
        try {
            Path code = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path target = code.getParent();
            if (target != null && target.getFileName().toString().equals("target")
                    && target.getParent() != null && target.getParent().getParent() != null) {
                return target.getParent().getParent();
            }
        } catch (java.net.URISyntaxException | SecurityException | NullPointerException e) {
            // fall through
        }
        return Path.of("").toAbsolutePath();
    }

    /** Title, machine, date and command: every results file starts with it. */
    static String header(String title, String command) {
        String date = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT));
        return "# " + title + "\n\n"
                + "- Machine: " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores, Linux "
                + System.getProperty("os.version") + " (" + System.getProperty("os.arch") + "), shared with other work\n"
                + "- JDK: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + "\n"
                + "- Date: " + date + "\n"
                + "- Command: `" + command + "`\n\n";
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException ignored) {
            // not Linux: the architecture is still printed
        }
        return "unknown CPU";
    }
}
