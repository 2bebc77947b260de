package dev.rawpoll.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A server in a child JVM whose descriptor limit (RLIMIT_NOFILE) is lowered with {@code prlimit
 * --pid} (util-linux) once it listens, so that it runs out a few connections later. The child
 * runs from a jar (like {@code ./rawpoll echo}): loading a class from a directory needs a
 * descriptor, which a server out of descriptors does not have.
 */
final class LimitedChildJvm implements AutoCloseable {
    private static final Pattern PORT = Pattern.compile("127\\.0\\.0\\.1:(\\d+)");
    private static Path jar;

    final Process process;
    int port;
    final List<String> stderr = new CopyOnWriteArrayList<>();

    private LimitedChildJvm(Process process) {
        this.process = process;
    }

    /** Starts {@code mainClass} of the rawpoll module (main and test classes) and waits for its "127.0.0.1:PORT" line. */
    static LimitedChildJvm start(Class<?> mainClass, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx64m",
                "--enable-native-access=dev.rawpoll", "--add-exports", "java.base/jdk.internal.vm=dev.rawpoll",
                "-p", moduleJar().toString(), "-m", "dev.rawpoll/" + mainClass.getName()));
        command.addAll(List.of(args));
        LimitedChildJvm child = new LimitedChildJvm(new ProcessBuilder(command).start());
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> drain(child.process, true, port, child.stderr));
        Thread.ofPlatform().daemon().start(() -> drain(child.process, false, port, child.stderr));
        try {
            child.port = port.get(30, TimeUnit.SECONDS);
            return child;
        } catch (Exception e) {
            child.process.destroyForcibly();
            throw new IllegalStateException("the child did not start; stderr: " + child.stderr, e);
        }
    }

    private static void drain(Process process, boolean out, CompletableFuture<Integer> port, List<String> stderr) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(out ? process.getInputStream() : process.getErrorStream()))) {
            for (String line; (line = r.readLine()) != null; ) {
                Matcher m = PORT.matcher(line);
                if (out && m.find()) {
                    port.complete(Integer.parseInt(m.group(1)));
                } else if (!out) {
                    stderr.add(line);
                }
            }
        } catch (IOException e) {
            // the child ended
        }
        port.completeExceptionally(new IllegalStateException("no port line"));
    }

    /** How many descriptors the child has open. */
    long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            return fds.count();
        }
    }

    /** Waits (up to 10 s) until the child has at most {@code count} descriptors open. */
    void awaitOpenDescriptorsAtMost(long count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (openDescriptors() > count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** Lets the child open {@code more} descriptors beyond those it has open now; returns how many it had. */
    long limitDescriptors(int more) throws Exception {
        long open = openDescriptors();
        long limit = open + more;
        Process prlimit = new ProcessBuilder("prlimit", "--pid", Long.toString(process.pid()),
                "--nofile=" + limit + ":" + limit).redirectErrorStream(true).start();
        String output = new String(prlimit.getInputStream().readAllBytes());
        if (prlimit.waitFor() != 0) {
            throw new IllegalStateException("prlimit failed: " + output);
        }
        return open;
    }

    /** The child's CPU time so far (user + system). */
    Duration cpuTime() {
        return process.toHandle().info().totalCpuDuration().orElseThrow();
    }

    /** Waits (up to 30 s: the machine may be loaded) until the child has written {@code text} to stderr. */
    void awaitStderrContaining(String text) throws Exception {
        awaitStderrContaining(text, Duration.ofSeconds(30));
    }

    /** Waits at most {@code timeout} for a stderr line containing {@code text}; whether one came. */
    boolean awaitStderrContaining(String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (stderrLinesContaining(text) == 0 && process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return stderrLinesContaining(text) > 0;
    }

    long stderrLinesContaining(String text) {
        return stderr.stream().filter(l -> l.contains(text)).count();
    }

    @Override
    public void close() throws Exception {
        process.destroy(); // SIGTERM: the shutdown hook stops the loop
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The rawpoll module (main and test classes) as one jar, made once per test run. */
    private static synchronized Path moduleJar() throws IOException, URISyntaxException {
        if (jar == null) {
            Path classes = Path.of(EchoServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path testClasses = Path.of(LimitedChildJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path file = Files.createTempFile("rawpoll-child", ".jar");
            file.toFile().deleteOnExit();
            Set<String> added = new HashSet<>();
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(file))) {
                for (Path root : Set.of(classes, testClasses).stream().sorted().toList()) {
                    try (Stream<Path> files = Files.walk(root)) {
                        for (Path f : files.filter(Files::isRegularFile).toList()) {
                            String name = root.relativize(f).toString().replace('\\', '/');
                            if (added.add(name)) {
                                out.putNextEntry(new JarEntry(name));
                                Files.copy(f, (OutputStream) out);
                                out.closeEntry();
                            }
                        }
                    }
                }
            }
            jar = file;
        }
        return jar;
    }
}
