package dev.rawpoll.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.bench.servers.AllocatingServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Compare's "allocated while sampled": a server's I/O threads' allocation, asked on its stdin
 * ({@link ServerProcess#ioThreadsAllocated()}), is exact to the byte (jcmd's thread dump, read
 * before, printed whole MiB once a thread's total was large), and every JVM echo server answers.
 */
class IoThreadsAllocatedTest {
    private static final Path NATIVE_DIR = Path.of(System.getProperty("rawpoll.native.dir", "../java/target/native"));

    /** A byte[] of n elements on a 64-bit JVM with compressed class pointers: 16 B header, padded to 8. */
    private static long arrayBytes(int n) {
        return (16 + n + 7) & ~7L;
    }

    @Test
    void differenceOfTwoAnswersIsWhatTheThreadAllocatedToTheByte() throws Exception {
        try (ServerProcess server = ServerProcess.start("allocating", ServerProcess.javaServer(AllocatingServer.class.getName()));
             Socket control = new Socket(InetAddress.getLoopbackAddress(), server.port);
             BufferedReader in = new BufferedReader(new InputStreamReader(control.getInputStream(), StandardCharsets.UTF_8));
             PrintStream out = new PrintStream(control.getOutputStream(), true, StandardCharsets.UTF_8)) {
            // 3 B and 5 MB + 3 B: the first far below jcmd's KiB, the second past its MiB rounding.
            for (int n : new int[] {3, 5_000_003, 0, 1000}) {
                ServerProcess.Allocated before = server.ioThreadsAllocated();
                out.println(n);
                assertEquals("done", in.readLine());
                ServerProcess.Allocated after = server.ioThreadsAllocated();
                assertEquals(1, after.threads());
                assertEquals(arrayBytes(n), after.bytes() - before.bytes(), "byte[" + n + "]");
            }
            ServerProcess.Allocated idle = server.ioThreadsAllocated();
            assertEquals(idle, server.ioThreadsAllocated(), "a parked thread allocates nothing");
        }
    }

    /**
     * Every JVM server of the comparison answers, counting its loop or selector threads (two for
     * the 2-loop and hand-off rows) and never going back; they start and run at the same time to save time.
     */
    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64", disabledReason = "rawpoll's TCP sockets exist for Linux x86-64 only so far")
    void everyJavaServerAnswersForItsIoThreads() throws Exception {
        List<String> names = EchoServers.KNOWN.stream().filter(n -> !n.equals("c")).toList();
        Map<String, Future<String>> outcomes = new LinkedHashMap<>();
        try (var executor = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().factory())) {
            for (String name : names) outcomes.put(name, executor.submit(() -> answers(name)));
        }
        List<String> failures = new ArrayList<>();
        for (var e : outcomes.entrySet()) {
            try {
                String failure = e.getValue().get();
                if (failure != null) failures.add(failure);
            } catch (ExecutionException ex) {
                failures.add(e.getKey() + ": " + ex.getCause());
            }
        }
        assertEquals(List.of(), failures);
    }

    /** Null if {@code name} answered before and after some load as it should; else what was wrong. */
    private static String answers(String name) throws Exception {
        Compare.Server spec = Compare.server(name, NATIVE_DIR);
        try (ServerProcess server = ServerProcess.start(spec.name(), spec.command())) {
            ServerProcess.Allocated before = server.ioThreadsAllocated();
            // One echo first, with all the time it needs: the servers start together, and on a
            // loaded machine a cold one once completed no round trip in loadgen's 0.3 s window.
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port)) {
                s.setSoTimeout(30_000);
                s.getOutputStream().write(1);
                if (s.getInputStream().read() != 1) return name + ": no echo";
            }
            Loadgen.Result r = Loadgen.run(NATIVE_DIR, server.port, 8, 64, 0.3, 0.3, server.pid(), () -> { });
            ServerProcess.Allocated after = server.ioThreadsAllocated();
            int threads = name.contains("-2") ? 2 : 1; // "-2" and "-2-hand-off": two loops
            if (r.roundTrips() <= 0) return name + ": no round trip: " + r;
            if (before.threads() != threads || after.threads() != threads) {
                return name + ": answered for " + before.threads() + " then " + after.threads() + " threads, not " + threads;
            }
            if (before.bytes() <= 0 || after.bytes() < before.bytes()) return name + ": " + before + " then " + after;
            return null;
        }
    }
}
