package dev.rawpoll.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The echo benchmark's plumbing on real sockets: each server echoes what the C load generator
 * sends (loadgen checks every byte), the CPU figures come back, and a server that corrupts one
 * byte is caught. About 3 s per server (JVM start, then 1 s and 0.3 s warmups and 0.5 s per
 * size); nothing here is a performance assertion.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64", disabledReason = "rawpoll's TCP sockets (dev.rawpoll.net) exist for Linux x86-64 only so far")
class EchoSmokeTest {
    private static final Path NATIVE_DIR = Path.of(System.getProperty("rawpoll.native.dir", "../java/target/native"));
    private long fdsBefore;

    /**
     * The JDK keeps one socket of its own open for good once java.net sockets are first used (the
     * half of a socket pair that its close-while-blocked trick dup2()s over descriptors): open it
     * before counting.
     */
    @BeforeAll
    static void initializeJdkSockets() throws IOException {
        new ServerSocket(0, 1, InetAddress.getLoopbackAddress()).close();
    }

    @BeforeEach
    void countFds() throws IOException {
        fdsBefore = openFds();
    }

    @AfterEach
    void noFdLeft() throws IOException, InterruptedException {
        // Process pipes are closed by the JDK's reaper thread shortly after the child exits.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (openFds() != fdsBefore && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(fdsBefore, openFds(), () -> "open descriptors: " + describeFds());
    }

    private static String describeFds() {
        try (var list = Files.list(Path.of("/proc/self/fd"))) {
            return list.map(p -> {
                try {
                    return p.getFileName() + "->" + Files.readSymbolicLink(p);
                } catch (IOException e) {
                    return p.getFileName() + "->?";
                }
            }).toList().toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static long openFds() throws IOException {
        try (var list = Files.list(Path.of("/proc/self/fd"))) {
            return list.count();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"c", "nio", "netty", "callbacks", "tasks"})
    void serverEchoesEveryByteUnderLoad(String name) throws Exception {
        Compare.Server spec = Compare.server(name, NATIVE_DIR);
        try (ServerProcess server = ServerProcess.start(spec.name(), spec.command())) {
            for (int size : new int[] {64, 16384}) {
                // The first run warms a fresh JVM up for 1 s: on a loaded machine Netty's first echo
                // (class loading, the interpreter, -XX:+PrintCompilation's output) took longer than 0.8 s.
                double warmup = size == 64 ? 1.0 : 0.3;
                Loadgen.Result r = Loadgen.run(NATIVE_DIR, server.port, 4, size, 0.5, warmup, server.pid(), () -> { });
                assertEquals(4, r.connections());
                assertEquals(size, r.size());
                assertTrue(r.roundTrips() > 0, "round trips: " + r.roundTrips());
                // Every measured round trip was echoed back in full and checked byte by byte.
                assertTrue(r.bytesVerified() >= r.roundTrips() * size, r.toString());
                assertEquals(100, r.ticksPerSecond());
                assertTrue(r.serverUserTicks() + r.serverSystemTicks() >= 0, r.toString());
            }
        }
    }

    /**
     * The 2-loop and io_uring rows: each server echoes every byte at both sizes (8 connections, so
     * that both loops of a 2-loop server most likely get some), and runs on what its name says:
     * a {@code -2} server holds two epoll instances (one per loop or selector thread), a {@code
     * -uring} server an io_uring instance, and each 2-loop server listens with as many sockets
     * as it says (one per loop with SO_REUSEPORT, one with a hand-off, as Netty's). The seven
     * servers start and run at the same time, so
     * that their JVM starts and load windows overlap: one test of about the time of two servers.
     */
    @Test
    void groupAndUringServersEchoEveryByte() throws Exception {
        assertEquals(java.util.List.of(), echoAllAtOnce(java.util.List.of("nio-2", "netty-2", "callbacks-2", "tasks-2",
                "netty-uring", "callbacks-uring", "tasks-uring")));
    }

    /** The 2-loop rawpoll servers with {@code --hand-off}: as above, and each listens with one socket. */
    @Test
    void handOffServersEchoEveryByte() throws Exception {
        assertEquals(java.util.List.of(), echoAllAtOnce(java.util.List.of("callbacks-2-hand-off", "tasks-2-hand-off")));
    }

    /** Runs {@link #echoesAndRunsOnWhatItsNameSays} for {@code names} at the same time; what failed. */
    private static java.util.List<String> echoAllAtOnce(java.util.List<String> names) throws Exception {
        java.util.Map<String, java.util.concurrent.Future<String>> outcomes = new java.util.LinkedHashMap<>();
        try (var executor = java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofPlatform().factory())) {
            for (String name : names) {
                outcomes.put(name, executor.submit(() -> echoesAndRunsOnWhatItsNameSays(name)));
            }
        }
        java.util.List<String> failures = new java.util.ArrayList<>();
        for (var e : outcomes.entrySet()) {
            try {
                String failure = e.getValue().get();
                if (failure != null) failures.add(failure);
            } catch (java.util.concurrent.ExecutionException ex) {
                failures.add(e.getKey() + ": " + ex.getCause());
            }
        }
        return failures;
    }

    /** Null if {@code name} echoed every byte at 64 B and 16 KiB and holds its pollers; else what failed. */
    private static String echoesAndRunsOnWhatItsNameSays(String name) throws Exception {
        Compare.Server spec = Compare.server(name, NATIVE_DIR);
        try (ServerProcess server = ServerProcess.start(spec.name(), spec.command())) {
            for (int size : new int[] {64, 16384}) {
                double warmup = size == 64 ? 1.0 : 0.2;
                Loadgen.Result r = Loadgen.run(NATIVE_DIR, server.port, 8, size, 0.4, warmup, server.pid(), () -> { });
                if (r.roundTrips() <= 0 || r.bytesVerified() < r.roundTrips() * size) return name + ": " + r;
            }
            java.util.List<String> fds = fdTargets(server.pid());
            boolean ok = name.contains("-2")
                    ? fds.stream().filter("anon_inode:[eventpoll]"::equals).count() >= 2
                    : fds.contains("anon_inode:[io_uring]");
            if (!ok) return name + " does not hold the pollers its name says: " + fds;
            if (name.contains("-2")) {
                // One SO_REUSEPORT listener per loop, or one listener whose connections are handed over.
                long expected = name.equals("netty-2") || name.endsWith("-hand-off") ? 1 : 2;
                long listening = listeningSockets(server.port);
                if (listening != expected) return name + " listens with " + listening + " sockets, not " + expected;
            }
            return null;
        }
    }

    /**
     * The listening TCP sockets on {@code port} (state 0A in /proc/net/tcp and tcp6: the JDK's
     * and Netty's listeners are IPv6 sockets bound to ::ffff:127.0.0.1).
     */
    static long listeningSockets(int port) throws IOException {
        String localPort = String.format(java.util.Locale.ROOT, ":%04X", port);
        long count = 0;
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            try (var lines = Files.lines(Path.of(table))) {
                count += lines.skip(1).map(String::trim).map(l -> l.split("\\s+"))
                        .filter(f -> f[1].endsWith(localPort) && f[3].equals("0A")).count();
            }
        }
        return count;
    }

    private static java.util.List<String> fdTargets(long pid) throws IOException {
        try (var list = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return list.map(p -> {
                try {
                    return Files.readSymbolicLink(p).toString();
                } catch (IOException e) {
                    return "?"; // closed meanwhile
                }
            }).toList();
        }
    }

    /** The JIT settle check counts -XX:+PrintCompilation lines: a JVM compiles while it starts and echoes. */
    @Test
    void javaServerReportsItsCompilations() throws Exception {
        Compare.Server spec = Compare.server("callbacks", NATIVE_DIR);
        try (ServerProcess server = ServerProcess.start(spec.name(), spec.command())) {
            assertTrue(server.reportsCompilations());
            long before = server.compilations();
            Loadgen.run(NATIVE_DIR, server.port, 4, 64, 0.5, 0.3, server.pid(), () -> { });
            Thread.sleep(200);
            assertTrue(server.compilations() > before, "no compilation seen: " + before + " then " + server.compilations());
        }
        Compare.Server c = Compare.server("c", NATIVE_DIR);
        try (ServerProcess server = ServerProcess.start(c.name(), c.command())) {
            assertTrue(!server.reportsCompilations());
            assertEquals(0, server.compilations());
        }
    }

    @Test
    void cServerExitsCleanlyOnSigterm() throws Exception {
        Compare.Server spec = Compare.server("c", NATIVE_DIR);
        ServerProcess server = ServerProcess.start(spec.name(), spec.command());
        server.close();
        assertEquals(0, server.exitValue());
    }

    /** One connection, echoed with its 10th byte flipped: loadgen must notice and fail. */
    @Test
    void loadgenRejectsACorruptedEcho() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread corrupter = Thread.ofPlatform().start(() -> {
                try (Socket s = listener.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    byte[] b = new byte[64];
                    int n = in.readNBytes(b, 0, 64);
                    b[9] ^= 1;
                    out.write(b, 0, n);
                    out.flush(); // and close: the corrupted bytes arrive before the end of stream
                } catch (IOException ignored) {
                    // loadgen reset the connection
                }
            });
            Loadgen.Failure failure = assertThrows(Loadgen.Failure.class,
                    () -> Loadgen.run(NATIVE_DIR, listener.getLocalPort(), 1, 64, 0.5, 0, 0, () -> { }));
            assertTrue(failure.getMessage().contains("echoed wrong"), failure.getMessage());
            corrupter.join(5000);
            assertTrue(!corrupter.isAlive(), "the corrupting server is stuck");
        }
    }
}
