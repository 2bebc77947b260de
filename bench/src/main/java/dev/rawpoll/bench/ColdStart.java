package dev.rawpoll.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Cold start: how long the first {@code Poller.open()} and the first {@code TcpListener.bind} take
 * in a fresh JVM, next to NIO's {@code Selector.open()} and {@code ServerSocketChannel} bind. Each
 * measurement is one new JVM (the first call is what a user's program pays once), repeated and
 * interleaved; the table gives medians and the ratio to NIO, and splits rawpoll's time into the
 * first FFM downcall link (the JDK's own cost, paid by any FFM library) and the rest.
 *
 * <pre>java -cp bench/target/rawpoll-bench-*-all.jar dev.rawpoll.bench.ColdStart [--runs N]</pre>
 */
public final class ColdStart {
    private ColdStart() {}

    private static final List<String> WHAT = List.of("nio-selector", "rawpoll-poller", "nio-bind", "rawpoll-bind", "ffm-first-link");

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--measure")) {
            System.out.println(measureHere(args[1]));
            return;
        }
        int runs = 9;
        if (args.length == 2 && args[0].equals("--runs")) {
            try {
                runs = Integer.parseInt(args[1]);
            } catch (NumberFormatException e) {
                runs = -1;
            }
        }
        if (runs < 1 || (args.length != 0 && !(args.length == 2 && args[0].equals("--runs")))) {
            System.err.println("ColdStart: --runs must be a positive integer (usage: ColdStart [--runs N])");
            System.exit(2);
        }
        System.out.print(table(runs));
    }

    /** Markdown: the median milliseconds of {@code runs} fresh JVMs per case, interleaved. */
    static String table(int runs) throws IOException, InterruptedException {
        double[][] ms = new double[WHAT.size()][runs];
        for (int r = 0; r < runs; r++) {
            for (int w = 0; w < WHAT.size(); w++) {
                ms[w][r] = inFreshJvm(WHAT.get(w));
            }
        }
        double[] median = new double[WHAT.size()];
        for (int w = 0; w < WHAT.size(); w++) {
            Arrays.sort(ms[w]);
            median[w] = ms[w][runs / 2];
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Cold start, medians of %d fresh JVMs each (ms, the call alone, JVM start excluded):%n%n", runs));
        sb.append("| first call | NIO | rawpoll | ÷ NIO | of which the first FFM downcall link |\n|---|---:|---:|---:|---:|\n");
        sb.append(row("open a poller (`Selector.open()` / `Poller.open()`)", median[0], median[1], median[4]));
        sb.append(row("bind a listener (`ServerSocketChannel.bind` / `TcpListener.bind`)", median[2], median[3], median[4]));
        return sb.toString();
    }

    private static String row(String what, double nio, double rawpoll, double firstLink) {
        return String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.2f | %.1f |%n", what, nio, rawpoll, rawpoll / nio, firstLink);
    }

    private static double inFreshJvm(String what) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ColdStart.class.getName(), "--measure", what).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("cold-start run of " + what + " failed: " + out);
        }
        return Double.parseDouble(out.lines().reduce((a, b) -> b).orElseThrow());
    }

    /** Runs {@code what} once in this (fresh) JVM and returns its milliseconds. */
    private static double measureHere(String what) throws Exception {
        long start = System.nanoTime();
        switch (what) {
            case "nio-selector" -> Selector.open().close();
            case "rawpoll-poller" -> dev.rawpoll.Poller.open().close();
            case "nio-bind" -> {
                try (ServerSocketChannel c = ServerSocketChannel.open()) {
                    c.bind(new InetSocketAddress("127.0.0.1", 0), 16);
                }
            }
            case "rawpoll-bind" -> dev.rawpoll.net.TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 16).close();
            case "ffm-first-link" -> {
                var linker = java.lang.foreign.Linker.nativeLinker();
                linker.downcallHandle(linker.defaultLookup().find("getpid").orElseThrow(),
                        java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT),
                        java.lang.foreign.Linker.Option.captureCallState("errno"));
            }
            default -> throw new IllegalArgumentException(what);
        }
        return (System.nanoTime() - start) / 1e6;
    }

}
