package dev.rawpoll.bench;

import dev.rawpoll.vthread.BlockingSockets;
import dev.rawpoll.vthread.BlockingTcpListener;
import dev.rawpoll.vthread.BlockingTcpStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.LongAdder;

/**
 * Virtual threads on rawpoll's {@link BlockingSockets} vs virtual threads on plain {@code
 * java.net} sockets (which park on the JDK's own poller), in one JVM: N virtual-thread clients
 * each keep one 64 B message in flight (write, read the echo back, check its length) against
 * one virtual-thread echo handler per connection, both ends on the sockets under test. Round
 * trips/s over a measured window after a warmup; repetitions interleaved (rawpoll, JDK, JDK,
 * rawpoll, …) and the table gives medians and the ratio rawpoll ÷ JDK from the same run.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp bench/target/rawpoll-bench-*-all.jar dev.rawpoll.bench.VirtualThreadEchoBench
 *     [--connections 100,1000] [--size 64] [--repetitions 3] [--seconds 3] [--warmup 1] [--out FILE.md]
 *     [--kinds rawpoll,jdk] (also rawpoll-virtual, rawpoll-platform: each poller mode side by side)</pre>
 *
 * Client and server share the JVM and the 2 cores, so this measures the whole virtual-thread I/O
 * path on both ends (park, poller wakeup, unpark, the system calls), not a server alone.
 */
public final class VirtualThreadEchoBench {
    private VirtualThreadEchoBench() {}

    /** One connection's two ends, behind the blocking calls the benchmark needs. */
    private interface Ends extends AutoCloseable {
        void clientWrite(byte[] b) throws IOException;

        int clientRead(byte[] b, int off, int len) throws IOException;

        /** Closes the client end: its echo handler then reads end of stream and returns. */
        void closeClient();

        /** Closes the server end, once its handler has returned (no call of it is under way). */
        @Override
        void close();
    }

    /** The sockets under test: a listener whose accepted connections are echoed by virtual threads. */
    private interface Kind {
        String name();

        /** Starts the echo side and connects {@code connections} clients. */
        List<Ends> open(int connections, List<Thread> handlers) throws IOException;
    }

    static final class Settings {
        List<Integer> connections = List.of(100, 1000);
        int size = 64;
        int repetitions = 3;
        double seconds = 3;
        double warmup = 1;
        Path out;
        /** Which sockets to run (see {@link #kind}); the ratios are to {@code jdk}'s, blank without it. */
        List<String> kinds = List.of("rawpoll", "jdk");

        static Settings quick() {
            Settings s = new Settings();
            s.connections = List.of(100);
            s.repetitions = 2;
            s.seconds = 1;
            s.warmup = 0.5;
            return s;
        }

        String describe() {
            return String.format(Locale.ROOT, "connections %s; %d B messages; %d interleaved repetitions of %.1f s after %.1f s warmup",
                    connections, size, repetitions, seconds, warmup);
        }
    }

    public static void main(String[] args) throws Exception {
        Settings s = Arrays.asList(args).contains("--quick") ? Settings.quick() : new Settings();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> { }
                case "--connections" -> s.connections = Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
                case "--size" -> s.size = Integer.parseInt(args[++i]);
                case "--repetitions" -> s.repetitions = Integer.parseInt(args[++i]);
                case "--seconds" -> s.seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> s.warmup = Double.parseDouble(args[++i]);
                case "--out" -> s.out = Path.of(args[++i]);
                case "--kinds" -> s.kinds = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        String table = run(s);
        System.out.println(table);
        if (s.out != null) {
            Files.writeString(s.out, BenchMain.header("Virtual threads: rawpoll BlockingSockets vs java.net",
                    "java -cp bench/target/rawpoll-bench-*-all.jar dev.rawpoll.bench.VirtualThreadEchoBench " + String.join(" ", args)) + table);
        }
    }

    /** Runs every point and returns the Markdown table. */
    static String run(Settings s) throws Exception {
        List<Kind> kinds = s.kinds.stream().map(VirtualThreadEchoBench::kind).toList();
        int base = s.kinds.indexOf("jdk");
        double[][][] rates = new double[s.connections.size()][kinds.size()][s.repetitions];
        for (int rep = 0; rep < s.repetitions; rep++) {
            for (int p = 0; p < s.connections.size(); p++) {
                for (int k = 0; k < kinds.size(); k++) {
                    int kind = (k + rep) % kinds.size();
                    double rate = measure(kinds.get(kind), s.connections.get(p), s);
                    rates[p][kind][rep] = rate;
                    System.err.printf(Locale.ROOT, "%-22s %5d conn: %10.0f rt/s%n", kinds.get(kind).name(), s.connections.get(p), rate);
                }
            }
        }
        StringBuilder md = new StringBuilder(s.describe()).append(".\n\n");
        md.append("| connections | sockets | round trips/s (median) | runs | ÷ java.net |\n|---:|---|---:|---|---:|\n");
        for (int p = 0; p < s.connections.size(); p++) {
            double jdk = base < 0 ? Double.NaN : Report.median(rates[p][base]); // without jdk: profiling one kind
            for (int k = 0; k < kinds.size(); k++) {
                double m = Report.median(rates[p][k]);
                md.append(String.format(Locale.ROOT, "| %,d | %s | %,.0f | %s | %.2f |\n", s.connections.get(p), kinds.get(k).name(), m,
                        Arrays.stream(rates[p][k]).mapToObj(r -> String.format(Locale.ROOT, "%,.0f", r)).toList(), m / jdk));
            }
        }
        md.append("\nBoth ends in one JVM on virtual threads (default scheduler), one message in flight per connection; "
                + "medians of interleaved runs, ratio in the same run.\n");
        lastRates = rates;
        return md.toString();
    }

    /**
     * {@code rawpoll}: {@link BlockingSockets#shared()} (its default pollers); {@code
     * rawpoll-virtual} and {@code rawpoll-platform}: an instance with that {@code
     * dev.rawpoll.vthread.pollerMode}; {@code jdk}: java.net sockets.
     */
    private static Kind kind(String key) {
        return switch (key) {
            case "rawpoll" -> new RawpollKind("rawpoll BlockingSockets", BlockingSockets::shared);
            case "rawpoll-virtual", "rawpoll-platform", "rawpoll-virtual-1", "rawpoll-virtual-2", "rawpoll-virtual-4", "rawpoll-virtual-8" -> {
                String[] parts = key.split("-");
                String mode = parts[1];
                String readPollers = parts.length > 2 ? parts[2] : null;
                yield new RawpollKind("rawpoll " + mode + " pollers" + (readPollers == null ? "" : " (" + readPollers + " read)"),
                        () -> withProperties(Map.of("dev.rawpoll.vthread.pollerMode", mode,
                                "dev.rawpoll.vthread.readPollers", readPollers == null ? "" : readPollers)));
            }
            case "jdk" -> new JdkKind();
            default -> throw new IllegalArgumentException("unknown kind " + key + " (rawpoll, rawpoll-virtual, rawpoll-platform, jdk)");
        };
    }

    /** The rates of the last {@link #run}: [point][kind: 0 rawpoll, 1 java.net][repetition] (for the chart). */
    static double[][][] lastRates;

    private static double measure(Kind kind, int connections, Settings s) throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<Thread> handlers = new ArrayList<>();
        List<Ends> ends = kind.open(connections, handlers);
        LongAdder roundTrips = new LongAdder();
        CountDownLatch stopped = new CountDownLatch(connections);
        final boolean[] running = {true}; // read racily by the clients: they stop within one round trip
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            for (Ends e : ends) {
                threads.add(Thread.ofVirtual().start(() -> {
                    byte[] message = new byte[s.size];
                    byte[] echo = new byte[s.size];
                    try {
                        while (running[0]) {
                            e.clientWrite(message);
                            for (int got = 0; got < s.size; ) {
                                int n = e.clientRead(echo, got, s.size - got);
                                if (n < 0) throw new IOException("end of stream");
                                got += n;
                            }
                            roundTrips.increment();
                        }
                    } catch (Throwable t) {
                        if (running[0]) errors.add(t);
                    } finally {
                        stopped.countDown();
                    }
                }));
            }
            Thread.sleep((long) (s.warmup * 1000));
            long start = System.nanoTime();
            long before = roundTrips.sum();
            Thread.sleep((long) (s.seconds * 1000));
            long count = roundTrips.sum() - before;
            double elapsed = (System.nanoTime() - start) / 1e9;
            running[0] = false;
            stopped.await();
            if (!errors.isEmpty()) {
                throw new IOException(kind.name() + " failed: " + errors.getFirst(), errors.getFirst());
            }
            return count / elapsed;
        } finally {
            // Clients first, then (handlers gone) the server ends: closing a socket while another
            // thread is inside a call on it is not something either kind promises to survive.
            running[0] = false;
            for (Thread t : threads) t.join();
            ends.forEach(Ends::closeClient);
            for (Thread t : handlers) t.join();
            ends.forEach(Ends::close);
        }
    }

    private static void echo(InputStreamLike in, OutputStreamLike out) {
        byte[] buffer = new byte[16 * 1024];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, n);
            }
        } catch (IOException | IllegalStateException e) {
            // closed at the end of the run: parked (IOException) or between two calls (rawpoll's
            // IllegalStateException for a closed socket)
        }
    }

    private interface InputStreamLike {
        int read(byte[] b) throws IOException;
    }

    private interface OutputStreamLike {
        void write(byte[] b, int n) throws IOException;
    }

    /** {@link BlockingSockets#open()} with these system properties set (an empty value: unset), then restored. */
    private static BlockingSockets withProperties(Map<String, String> properties) {
        Map<String, String> before = new java.util.HashMap<>();
        properties.forEach((k, v) -> {
            before.put(k, System.getProperty(k));
            if (v.isEmpty()) System.clearProperty(k);
            else System.setProperty(k, v);
        });
        try {
            return BlockingSockets.open();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            before.forEach((k, v) -> {
                if (v == null) System.clearProperty(k);
                else System.setProperty(k, v);
            });
        }
    }

    private static final class RawpollKind implements Kind {
        private final String name;
        private final java.util.function.Supplier<BlockingSockets> sockets;
        private BlockingSockets io;

        RawpollKind(String name, java.util.function.Supplier<BlockingSockets> sockets) {
            this.name = name;
            this.sockets = sockets;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<Ends> open(int connections, List<Thread> handlers) throws IOException {
            if (io == null) io = sockets.get(); // one instance for every repetition (lives as long as the process)
            List<Ends> ends = new ArrayList<>();
            try (BlockingTcpListener listener = io.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096)) {
                InetSocketAddress address = listener.localAddress();
                for (int i = 0; i < connections; i++) {
                    BlockingTcpStream client = io.connect(address);
                    BlockingTcpStream server = listener.accept();
                    client.stream().setNoDelay(true);
                    server.stream().setNoDelay(true);
                    handlers.add(Thread.ofVirtual().start(() -> echo(b -> server.read(b, 0, b.length), (b, n) -> {
                        for (int off = 0; off < n; ) off += server.write(b, off, n - off);
                    })));
                    ends.add(new Ends() {
                        @Override
                        public void clientWrite(byte[] b) throws IOException {
                            client.writeAll(b);
                        }

                        @Override
                        public int clientRead(byte[] b, int off, int len) throws IOException {
                            return client.read(b, off, len);
                        }

                        @Override
                        public void closeClient() {
                            client.close();
                        }

                        @Override
                        public void close() {
                            server.close();
                        }
                    });
                }
            }
            return ends;
        }
    }

    private static final class JdkKind implements Kind {
        @Override
        public String name() {
            return "java.net Socket";
        }

        @Override
        public List<Ends> open(int connections, List<Thread> handlers) throws IOException {
            List<Ends> ends = new ArrayList<>();
            try (ServerSocket listener = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress())) {
                for (int i = 0; i < connections; i++) {
                    Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
                    Socket server = listener.accept();
                    client.setTcpNoDelay(true);
                    server.setTcpNoDelay(true);
                    InputStream serverIn = server.getInputStream();
                    OutputStream serverOut = server.getOutputStream();
                    InputStream clientIn = client.getInputStream();
                    OutputStream clientOut = client.getOutputStream();
                    handlers.add(Thread.ofVirtual().start(() -> echo(serverIn::read, (b, n) -> serverOut.write(b, 0, n))));
                    ends.add(new Ends() {
                        @Override
                        public void clientWrite(byte[] b) throws IOException {
                            clientOut.write(b);
                        }

                        @Override
                        public int clientRead(byte[] b, int off, int len) throws IOException {
                            return clientIn.read(b, off, len);
                        }

                        @Override
                        public void closeClient() {
                            try {
                                client.close();
                            } catch (IOException ignored) {
                                // closing at the end of a run
                            }
                        }

                        @Override
                        public void close() {
                            try {
                                server.close();
                            } catch (IOException ignored) {
                                // closing at the end of a run
                            }
                        }
                    });
                }
            }
            return ends;
        }
    }
}
