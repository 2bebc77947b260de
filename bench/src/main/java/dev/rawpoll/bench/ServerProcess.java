package dev.rawpoll.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One echo server under test, run as its own process so that its CPU time can be read from
 * {@code /proc/<pid>/stat}: started on a free port (argument {@code 0}), ready once it printed
 * {@code listening on PORT}, stopped with SIGTERM. A Java server runs with {@code
 * -XX:+PrintCompilation}; the lines it prints are counted ({@link #compilations()}), so that the
 * runner can check that the JIT has settled before it measures and that it stayed settled. A Java
 * server also answers {@link #ioThreadsAllocated()} on its stdin (see {@code servers.IoThreads}).
 */
final class ServerProcess implements AutoCloseable {
    /** A line of -XX:+PrintCompilation: timestamp (ms), compile id, then flags, tier and method. */
    private static final Pattern COMPILATION = Pattern.compile("^\\s*\\d+\\s+\\d+\\s.*");
    /**
     * A server's answer to {@link #ioThreadsAllocated()}: token, bytes, threads. Written in one
     * write, it can follow a JIT line's start on the same line but is never split, so it is
     * found at the end of a line.
     */
    private static final Pattern ALLOCATED = Pattern.compile("io-threads-allocated (\\d+) (\\d+) (\\d+)$");

    final String name;
    private final Process process;
    final int port;
    private final AtomicLong compilations;
    private final boolean reportsCompilations;
    private final BlockingQueue<Matcher> answers;
    private long lastToken;

    private ServerProcess(String name, Process process, int port, AtomicLong compilations, boolean reportsCompilations,
            BlockingQueue<Matcher> answers) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.compilations = compilations;
        this.reportsCompilations = reportsCompilations;
        this.answers = answers;
    }

    /** What a server's I/O threads have allocated since they started: bytes, over {@code threads} threads. */
    record Allocated(long bytes, int threads) {}

    /**
     * Asks the server (a JVM started by {@link #javaServer}) what its I/O threads have allocated
     * so far, exact to the byte (the JDK's per-thread counters, summed by the server). Takes a
     * millisecond or so; the difference of two answers is what the threads allocated in between.
     *
     * @throws IOException if the server is not a JVM, died, or did not answer within 30 s
     */
    synchronized Allocated ioThreadsAllocated() throws IOException, InterruptedException {
        if (!reportsCompilations) throw new IOException(name + " is not a JVM: no allocation counter to ask");
        long token = ++lastToken;
        OutputStream in = process.getOutputStream();
        in.write(("allocated " + token + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (;;) {
            Matcher m = answers.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (m == null) throw new IOException(name + " did not answer \"allocated " + token + "\" within 30 s");
            if (Long.parseLong(m.group(1)) == token) { // an older answer came after its asker gave up: skip it
                return new Allocated(Long.parseLong(m.group(2)), Integer.parseInt(m.group(3)));
            }
        }
    }

    /**
     * Methods the server's JIT has compiled (or made not entrant) so far, as printed by
     * -XX:+PrintCompilation; always 0 for a server that is not a JVM. The count lags the
     * server by the time its output takes through the pipe (well under a millisecond).
     */
    long compilations() {
        return compilations.get();
    }

    /**
     * Whether the JIT has nothing compiling and nothing queued ({@code jcmd PID Compiler.queue}):
     * a JIT starved of CPU can let a window pass without starting a compilation. True for a
     * server that is not a JVM.
     */
    boolean compileQueueEmpty() throws IOException, InterruptedException {
        if (!reportsCompilations) return true;
        String out = ProcessStats.jcmd(pid(), "Compiler.queue");
        int current = out.indexOf("Current compiles:");
        int c1 = out.indexOf("C1 compile queue:");
        return current >= 0 && c1 > current && out.substring(current + "Current compiles:".length(), c1).isBlank()
                && out.split("\\bEmpty\\b", -1).length - 1 == 2;
    }

    /** Whether this server prints its compilations (a JVM started by {@link #javaServer}). */
    boolean reportsCompilations() {
        return reportsCompilations;
    }

    /** The command of the C server built from {@code native/c/echo_server.c}. */
    static List<String> cServer(Path nativeDir) {
        return List.of(nativeDir.resolve("echo_server").toString(), "0");
    }

    /** The command that runs {@code mainClass} (a server in this jar) in a JVM like this one. */
    static List<String> javaServer(String mainClass, String... jvmOptions) {
        return javaServer(mainClass, List.of(), jvmOptions);
    }

    /** {@link #javaServer(String, String...)} with {@code serverArgs} after the port (as {@code --loops 2}). */
    static List<String> javaServer(String mainClass, List<String> serverArgs, String... jvmOptions) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-XX:+PrintCompilation",
                // The class path puts rawpoll in the unnamed module; its tasks need jdk.internal.vm.
                "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED"));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass, "0"));
        command.addAll(serverArgs);
        return command;
    }

    static ServerProcess start(String name, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        boolean jvm = command.contains("-XX:+PrintCompilation");
        if (!jvm) process.getOutputStream().close(); // a Java server reads its requests there
        BlockingQueue<Matcher> answers = new LinkedBlockingQueue<>();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        AtomicLong compilations = new AtomicLong();
        CompletableFuture<String> portLine = CompletableFuture.supplyAsync(() -> {
            try {
                // The JIT's -XX:+PrintCompilation output shares stdout with the server, and the two
                // can interleave mid-line ("550 listening on 37913", or a compilation line cut in
                // two around the server's line): skip everything up to a line with the words.
                String last = null;
                for (String line; (line = out.readLine()) != null; last = line) {
                    if (line.contains("listening on ")) {
                        return line;
                    }
                    if (COMPILATION.matcher(line).matches()) {
                        compilations.incrementAndGet();
                    }
                }
                return last;
            } catch (IOException e) {
                return null;
            }
        });
        String line;
        try {
            line = portLine.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IOException(name + " server did not report its port: " + e);
        }
        int at = line == null ? -1 : line.indexOf("listening on ");
        if (at < 0) {
            process.destroyForcibly();
            throw new IOException(name + " server printed " + line + " instead of \"listening on PORT\"");
        }
        // Keep reading (and counting compilations) so that a chatty server never blocks on a full pipe.
        Thread.ofPlatform().daemon().name(name + "-stdout").start(() -> {
            try (out) {
                for (String l; (l = out.readLine()) != null; ) {
                    Matcher answer = ALLOCATED.matcher(l);
                    if (answer.find()) {
                        answers.add(answer);
                    } else if (COMPILATION.matcher(l).matches()) {
                        compilations.incrementAndGet();
                    }
                }
            } catch (IOException ignored) {
                // the server is gone
            }
        });
        return new ServerProcess(name, process, Integer.parseInt(line.substring(at + "listening on ".length()).trim()),
                compilations, jvm, answers);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM, then SIGKILL if it has not exited within 10 s; returns the exit status. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // the server is gone already
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    int exitValue() {
        return process.exitValue();
    }

    static void closeAll(List<ServerProcess> servers) {
        for (ServerProcess s : new ArrayList<>(servers)) s.close();
    }
}
