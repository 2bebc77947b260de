package dev.rawpoll.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.bench.servers.RawpollCallbackEchoServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Issue 12.1 against the benchmark's callback echo server: in a child JVM whose RLIMIT_NOFILE is
 * lowered (prlimit --pid, util-linux) to a few more descriptors than it has open, the excess
 * connections wait in the backlog while the server pauses its accepts (no spin, one report), and
 * are served once descriptors are free.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64", disabledReason = "rawpoll's TCP sockets exist for Linux x86-64 only so far")
@Timeout(120)
class CallbackServerOutOfDescriptorsTest {
    private static final int HEADROOM = 6;
    private static final int CLIENTS = 14;

    @Test
    void outOfDescriptorsTheCallbackServerPausesAcceptsReportsOnceAndServesAgain() throws Exception {
        List<String> stderr = new CopyOnWriteArrayList<>();
        Process child = start(stderr);
        List<Socket> clients = new ArrayList<>();
        try {
            int port = readPort(child);
            limitDescriptors(child, HEADROOM);
            InetAddress loopback = InetAddress.getLoopbackAddress();
            for (int i = 0; i < CLIENTS; i++) {
                Socket s = new Socket(loopback, port);
                s.getOutputStream().write('x');
                clients.add(s);
            }
            // The limit was set from a count of the child's descriptors; a JVM that had a few open for
            // a moment then has more room: more clients (one every 2 s) until it runs out.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // the machine may be loaded
            long nextClient = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (stderr.stream().noneMatch(l -> l.contains("pausing accepts")) && child.isAlive() && System.nanoTime() < deadline) {
                if (System.nanoTime() > nextClient) {
                    Socket s = new Socket(loopback, port);
                    s.getOutputStream().write('x');
                    clients.add(s);
                    nextClient = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                }
                Thread.sleep(20);
            }
            assertTrue(stderr.stream().anyMatch(l -> l.contains("pausing accepts")), () -> "the server ran out and said so: " + stderr);
            Thread.sleep(500);
            List<String> outcomes = new ArrayList<>();
            for (Socket s : clients) {
                outcomes.add(outcome(s, Duration.ofMillis(300)));
            }
            long served = outcomes.stream().filter("served"::equals).count();
            assertTrue(served >= 1 && served < clients.size(), () -> "served what the limit allows, not more: " + outcomes);
            assertTrue(outcomes.contains("waiting") && !outcomes.contains("closed"), () -> "the excess waits: " + outcomes);

            Duration cpuBefore = cpuTime(child);
            long wallBefore = System.nanoTime();
            Thread.sleep(1500);
            double ratio = (double) cpuTime(child).minus(cpuBefore).toNanos() / (System.nanoTime() - wallBefore);
            assertTrue(ratio < 0.25, () -> "the saturated server used " + Math.round(ratio * 100) + "% of a core");
            assertEquals(1, stderr.stream().filter(l -> l.contains("pausing accepts")).count(), () -> "reported once: " + stderr);

            for (int i = 0; i < clients.size(); i++) {
                if (outcomes.get(i).equals("served")) {
                    clients.get(i).close();
                }
            }
            Socket waiting = clients.get(outcomes.indexOf("waiting"));
            assertEquals("served", outcome(waiting, Duration.ofSeconds(10)), "a waiting client is served once descriptors are free");
            for (Socket s : clients) {
                s.close();
            }
            try (Socket late = new Socket(loopback, port)) {
                late.setSoTimeout(10_000);
                late.getOutputStream().write("hello".getBytes());
                assertEquals("hello", new String(late.getInputStream().readNBytes(5)), "a later client is served");
            }
            assertEquals(1, stderr.stream().filter(l -> l.contains("pausing accepts")).count(), () -> "reported once: " + stderr);
            assertTrue(child.isAlive());
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            child.destroy();
            if (!child.waitFor(20, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
    }

    private static String outcome(Socket s, Duration wait) throws IOException {
        s.setSoTimeout((int) wait.toMillis());
        try {
            return s.getInputStream().read() == 'x' ? "served" : "closed";
        } catch (SocketTimeoutException e) {
            return "waiting";
        } catch (SocketException e) {
            return "closed";
        }
    }

    /** The server from a jar: loading a class from a directory needs a descriptor the server lacks. */
    private static Process start(List<String> stderr) throws IOException {
        List<String> classPath = new ArrayList<>();
        Path jar = Files.createTempFile("rawpoll-bench-child", ".jar");
        jar.toFile().deleteOnExit();
        Set<String> added = new HashSet<>();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path root = Path.of(entry);
                if (!Files.isDirectory(root)) {
                    classPath.add(entry);
                    continue;
                }
                try (Stream<Path> files = Files.walk(root)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        String name = root.relativize(f).toString().replace('\\', '/');
                        if (!name.startsWith("META-INF/") && added.add(name)) {
                            out.putNextEntry(new JarEntry(name));
                            Files.copy(f, (OutputStream) out);
                            out.closeEntry();
                        }
                    }
                }
            }
        }
        classPath.addFirst(jar.toString());
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx64m", "--enable-native-access=ALL-UNNAMED",
                "-cp", String.join(File.pathSeparator, classPath), RawpollCallbackEchoServer.class.getName(), "0").start();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getErrorStream()))) {
                r.lines().forEach(stderr::add);
            } catch (IOException e) {
                // the child ended
            }
        });
        return child;
    }

    private static int readPort(Process child) throws Exception {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("listening on ")) {
                        port.complete(Integer.parseInt(line.substring("listening on ".length()).trim()));
                    }
                }
            } catch (IOException e) {
                // the child ended
            }
            port.completeExceptionally(new IllegalStateException("no 'listening on' line"));
        });
        return port.get(30, TimeUnit.SECONDS);
    }

    private static void limitDescriptors(Process child, int more) throws Exception {
        long open;
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(child.pid()), "fd"))) {
            open = fds.count();
        }
        long limit = open + more;
        Process prlimit = new ProcessBuilder("prlimit", "--pid", Long.toString(child.pid()),
                "--nofile=" + limit + ":" + limit).redirectErrorStream(true).start();
        String output = new String(prlimit.getInputStream().readAllBytes());
        assertEquals(0, prlimit.waitFor(), () -> "prlimit: " + output);
    }

    private static Duration cpuTime(Process child) {
        return child.toHandle().info().totalCpuDuration().orElseThrow();
    }
}
