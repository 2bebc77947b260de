package dev.rawpoll.net;

import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.TestFds;
import dev.rawpoll.internal.Errno;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.vthread.BlockingSockets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;

/**
 * The child JVM of {@link FaultInjectionTest}: makes the kernel fail on purpose (a lowered
 * RLIMIT_NOFILE, a peer that resets, a closed port, a full backlog), runs each failing call many
 * times, and prints one line per scenario: what was thrown, and the open descriptors and the
 * native allocations (NMT's count of live mallocs of category Other, where every FFM arena
 * allocation goes) before and after. It runs in a JVM of its own because it lowers the
 * descriptor limit of the whole process and needs {@code -XX:NativeMemoryTracking=summary}.
 *
 * <p>Output: {@code RESULT<TAB>scenario<TAB>key=value<TAB>...}; values never hold a tab.
 */
public final class FaultInjection {
    static final int ITERATIONS = 200;
    /** Between the distinct failures of a scenario in its {@code kinds} value. */
    static final String KIND_SEPARATOR = " ;; ";
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private FaultInjection() {}

    public static void main(String[] args) throws Throwable {
        warmUp();
        Set<String> only = Set.of(args);
        for (Map.Entry<String, Scenario> e : scenarios().entrySet()) {
            if (!only.isEmpty() && !only.contains(e.getKey())) {
                continue;
            }
            Map<String, String> result = new LinkedHashMap<>();
            try {
                System.gc(); // cleaner-freed memory of earlier scenarios goes before the count
                long threadsBefore = rawpollThreads();
                long fdsBefore = TestFds.openFdCount();
                long mallocsBefore = otherMallocs();
                e.getValue().run(result);
                long fdsAfter = TestFds.openFdCount();
                long mallocsAfter = otherMallocs();
                result.put("rawpollThreadsBefore", Long.toString(threadsBefore));
                result.put("rawpollThreadsAfter", Long.toString(rawpollThreadsAfterSettling(threadsBefore)));
                result.put("fdsBefore", Long.toString(fdsBefore));
                result.put("fdsAfter", Long.toString(fdsAfter));
                result.put("mallocsBefore", Long.toString(mallocsBefore));
                result.put("mallocsAfter", Long.toString(mallocsAfter));
            } catch (Throwable t) {
                result.put("failed", (t.getClass().getName() + ": " + t.getMessage()).replace('\t', ' ').replace('\n', ' '));
            }
            StringBuilder line = new StringBuilder("RESULT\t").append(e.getKey());
            result.forEach((k, v) -> line.append('\t').append(k).append('=').append(v.replace('\t', ' ').replace('\n', ' ')));
            System.out.println(line);
        }
    }

    @FunctionalInterface
    interface Scenario {
        void run(Map<String, String> result) throws Throwable;
    }

    static Map<String, Scenario> scenarios() {
        Map<String, Scenario> s = new LinkedHashMap<>();
        s.put("emfile-connect", r -> underNoFileLimit(0, r, () -> TcpStream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9))));
        s.put("emfile-bind", r -> underNoFileLimit(0, r, () -> TcpListener.bind(LOOPBACK, 16)));
        s.put("emfile-poller-open", r -> underNoFileLimit(0, r, Poller::open));
        s.put("emfile-eventfd", r -> underNoFileLimit(1, r, Poller::open)); // epoll_create1 gets the last one
        // The adapters above the poller: what they open before the failing call is closed again.
        s.put("emfile-event-loop", r -> underNoFileLimit(0, r, EventLoop::open));
        s.put("emfile-blocking-sockets-first-poller", r -> underNoFileLimit(1, r, BlockingSockets::open));
        s.put("emfile-blocking-sockets-second-poller", r -> underNoFileLimit(2, r, BlockingSockets::open));
        s.put("emfile-blocking-sockets-second-eventfd", r -> underNoFileLimit(3, r, BlockingSockets::open));
        s.put("emfile-accept", r -> emfileOnAccept(r, TcpListener::accept));
        s.put("emfile-accept-without-accept4", r -> emfileOnAccept(r, TcpListener::acceptWithFcntl));
        s.put("reset-mid-write", FaultInjection::resetMidWrite);
        s.put("reset-mid-read", FaultInjection::resetMidRead);
        s.put("refused", FaultInjection::refused);
        s.put("backlog-overflow", FaultInjection::backlogOverflow);
        s.put("eaddrinuse", FaultInjection::addressInUse);
        return s;
    }

    // ---- RLIMIT_NOFILE ----------------------------------------------------------------------

    @FunctionalInterface
    interface Opening {
        AutoCloseable open() throws Throwable;
    }

    /**
     * Lowers the soft RLIMIT_NOFILE so that exactly {@code spare} more descriptors can be
     * opened, calls {@code call} ITERATIONS times (each must throw), restores the limit.
     */
    private static void underNoFileLimit(int spare, Map<String, String> result, Opening call) throws Throwable {
        int limit = lowestFreeFd() + spare;
        Failures failures = new Failures();
        long saved = FaultInjectionNative.Rlimit.lowerNoFile(limit);
        try {
            for (int i = 0; i < ITERATIONS; i++) {
                try (AutoCloseable opened = call.open()) {
                    // opened: no EMFILE; reported below as too few thrown
                } catch (Throwable t) {
                    failures.add(t);
                }
            }
        } finally {
            FaultInjectionNative.Rlimit.restoreNoFile(saved);
        }
        result.put("limit", Integer.toString(limit));
        failures.describe(result);
    }

    @FunctionalInterface
    interface Accept {
        TcpStream accept(TcpListener listener) throws IOException;
    }

    private static void emfileOnAccept(Map<String, String> result, Accept accept) throws Throwable {
        try (TcpListener listener = TcpListener.bind(LOOPBACK, 16);
                TcpStream client = TcpStream.connect(listener.localAddress())) {
            waitUntil(listener.handle(), Interest.READABLE);
            int limit = lowestFreeFd();
            Failures failures = new Failures();
            long saved = FaultInjectionNative.Rlimit.lowerNoFile(limit);
            try {
                for (int i = 0; i < ITERATIONS; i++) {
                    try (TcpStream accepted = accept.accept(listener)) {
                        // accepted, or null: reported below as too few thrown
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }
            } finally {
                FaultInjectionNative.Rlimit.restoreNoFile(saved);
            }
            failures.describe(result);
            // The connection waited in the backlog all along: accepted as soon as a descriptor is free.
            try (TcpStream accepted = accept.accept(listener)) {
                result.put("acceptedAfterwards", Boolean.toString(accepted != null));
            }
        }
    }

    // ---- peers that fail ----------------------------------------------------------------------

    /**
     * The client fills the connection until WOULD_BLOCK, then the peer resets it (SO_LINGER 0
     * close): the next write, by send, sendmsg or send(MSG_OOB) in turn, must throw reset or
     * broken pipe, with SIGPIPE blocked in this thread so that a signal would stay pending
     * where it can be seen.
     */
    private static void resetMidWrite(Map<String, String> result) throws Throwable {
        int iterations = 30;
        Failures failures = new Failures();
        FaultInjectionNative.Signals.blockSigpipe();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(64 * 1024);
            MemorySegment[] gather = {chunk.asSlice(0, 1000), chunk.asSlice(1000, 2000)};
            for (int i = 0; i < iterations; i++) {
                try (TcpListener listener = TcpListener.bind(LOOPBACK, 4);
                        TcpStream client = TcpStream.connect(listener.localAddress())) {
                    waitUntil(listener.handle(), Interest.READABLE);
                    TcpStream server = listener.accept();
                    client.setSendBufferSize(4096);
                    while (client.write(chunk) != TcpStream.WOULD_BLOCK) {
                        // fill the send buffer and the peer's receive buffer
                    }
                    server.setLinger(0);
                    server.close(); // RST, with our data unread
                    waitUntil(client.handle(), Interest.READABLE);
                    try {
                        for (int attempt = 0; attempt < 10; attempt++) {
                            switch (i % 3) {
                                case 0 -> client.write(chunk);
                                case 1 -> client.write(gather, 0, 2);
                                default -> client.urgentData().send((byte) 1);
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }
            }
            result.put("sigpipePendingAfterRawpoll", Boolean.toString(FaultInjectionNative.Signals.sigpipePending()));
            // The control: the same failure through a plain send(2) without MSG_NOSIGNAL does
            // raise SIGPIPE, so the check above can see one.
            result.put("sigpipePendingAfterPlainSend", Boolean.toString(plainSendToAResetPeer() && FaultInjectionNative.Signals.sigpipePending()));
            FaultInjectionNative.Signals.consumeSigpipe();
        } finally {
            FaultInjectionNative.Signals.unblockSigpipe();
        }
        result.put("iterations", Integer.toString(iterations));
        failures.describe(result);
    }

    /**
     * The server sends 64 KiB, the client reads 1 KiB of it, then the server resets: the client
     * reads on until the reset is reported. Records how many of the bytes sent were read before
     * it, what the reset gives, and what the read after it gives.
     */
    private static void resetMidRead(Map<String, String> result) throws Throwable {
        int iterations = 30;
        Failures failures = new Failures();
        Set<String> readBeforeReset = new TreeSet<>();
        Set<String> afterReset = new TreeSet<>();
        byte[] data = new byte[64 * 1024];
        byte[] b = new byte[1024];
        for (int i = 0; i < iterations; i++) {
            try (TcpListener listener = TcpListener.bind(LOOPBACK, 4);
                    TcpStream client = TcpStream.connect(listener.localAddress())) {
                waitUntil(listener.handle(), Interest.READABLE);
                TcpStream server = listener.accept();
                int sent = 0;
                int n;
                while (sent < data.length && (n = server.write(data, sent, data.length - sent)) > 0) {
                    sent += n;
                }
                waitUntil(client.handle(), Interest.READABLE);
                long read = client.read(b, 0, b.length);
                server.setLinger(0);
                server.close(); // RST
                waitUntil(client.handle(), Interest.READABLE);
                try {
                    while ((n = client.read(b, 0, b.length)) > 0) {
                        read += n;
                    }
                    readBeforeReset.add(read == sent ? "all" : read + " of " + sent);
                    afterReset.add("no exception; read gave " + n);
                } catch (SystemCallException e) {
                    readBeforeReset.add(read == sent ? "all" : read + " of " + sent);
                    failures.add(e);
                    try {
                        afterReset.add("then " + client.read(b, 0, b.length));
                    } catch (SystemCallException again) {
                        afterReset.add("then " + again.errnoName());
                    }
                }
            }
        }
        result.put("iterations", Integer.toString(iterations));
        result.put("readBeforeReset", String.join(",", readBeforeReset));
        result.put("afterReset", String.join(",", afterReset));
        failures.describe(result);
    }

    /** send(2) with flags 0 on a connection whose peer reset: true if it failed with EPIPE. */
    private static boolean plainSendToAResetPeer() throws Throwable {
        try (TcpListener listener = TcpListener.bind(LOOPBACK, 4);
                TcpStream client = TcpStream.connect(listener.localAddress());
                Arena arena = Arena.ofConfined()) {
            waitUntil(listener.handle(), Interest.READABLE);
            TcpStream server = listener.accept();
            server.setLinger(0);
            server.close();
            waitUntil(client.handle(), Interest.READABLE);
            MemorySegment b = arena.allocate(1);
            for (int attempt = 0; attempt < 10; attempt++) {
                if (FaultInjectionNative.Signals.plainSend((int) client.handle(), b) < 0 && FaultInjectionNative.Signals.lastErrno() == 32) { // EPIPE
                    return true;
                }
            }
            return false;
        }
    }

    private static void refused(Map<String, String> result) throws Throwable {
        InetSocketAddress closed;
        try (TcpListener listener = TcpListener.bind(LOOPBACK, 1)) {
            closed = listener.localAddress();
        }
        Failures failures = new Failures();
        int atConnect = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            TcpStream client;
            try {
                client = TcpStream.connect(closed);
            } catch (IOException e) {
                atConnect++;
                failures.add(e);
                continue;
            }
            try (client) {
                while (!client.finishConnect()) {
                    waitUntil(client.handle(), Interest.WRITABLE);
                }
            } catch (IOException e) {
                failures.add(e);
            }
        }
        failures.describe(result);
        result.put("thrownByConnect", Integer.toString(atConnect));
    }

    /** bind(2) fails after socket(2) succeeded: the socket is closed again, every time. */
    private static void addressInUse(Map<String, String> result) throws Throwable {
        try (TcpListener taken = TcpListener.bind(LOOPBACK, 1)) {
            Failures failures = new Failures();
            for (int i = 0; i < ITERATIONS; i++) {
                try (TcpListener again = TcpListener.bind(taken.localAddress(), 1)) {
                    // bound twice: reported below as too few thrown
                } catch (Throwable t) {
                    failures.add(t);
                }
            }
            failures.describe(result);
            result.put("port", Integer.toString(taken.localAddress().getPort()));
        }
    }

    /**
     * A listener with backlog 1 that accepts nothing, and 4 clients: Linux queues backlog + 1
     * connections and drops the SYNs of the others, whose connects stay in progress (no error)
     * until the listener makes room and a SYN retransmission (after about 1 s) gets through.
     */
    private static void backlogOverflow(Map<String, String> result) throws Throwable {
        int clients = 4;
        List<TcpStream> streams = new ArrayList<>();
        List<TcpStream> accepted = new ArrayList<>();
        try (TcpListener listener = TcpListener.bind(LOOPBACK, 1)) {
            for (int i = 0; i < clients; i++) {
                streams.add(TcpStream.connect(listener.localAddress()));
            }
            // On loopback the handshakes that can complete do so at once; on a slow machine, give
            // them up to 5 s. The others cannot complete however long this waits: nothing accepts.
            long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!streams.get(0).finishConnect() && System.nanoTime() < settle) {
                Thread.sleep(10);
            }
            Thread.sleep(300);
            int established = 0;
            for (TcpStream s : streams) {
                established += s.finishConnect() ? 1 : 0;
            }
            result.put("establishedWhileFull", Integer.toString(established));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (accepted.size() < clients && System.nanoTime() < deadline) {
                TcpStream s = listener.accept();
                if (s != null) {
                    accepted.add(s);
                } else {
                    waitUntil(listener.handle(), Interest.READABLE, 200);
                }
            }
            int establishedAfter = 0;
            for (TcpStream s : streams) {
                establishedAfter += s.finishConnect() ? 1 : 0;
            }
            result.put("acceptedInTheEnd", Integer.toString(accepted.size()));
            result.put("establishedInTheEnd", Integer.toString(establishedAfter));
            result.put("thrown", "0");
        } finally {
            streams.forEach(TcpStream::close);
            accepted.forEach(TcpStream::close);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** What a scenario's calls threw: how many, and each distinct kind once (fd numbers as N). */
    private static final class Failures {
        private final Set<String> kinds = new TreeSet<>();
        private int thrown;

        void add(Throwable t) {
            thrown++;
            String kind = t.getClass().getName() + ": " + t.getMessage();
            if (t instanceof SystemCallException e) {
                kind = t.getClass().getName() + " errno=" + e.errnoName() + " call=" + e.call() + ": " + t.getMessage();
            }
            kinds.add(kind.replaceAll("fd=\\d+", "fd=N"));
        }

        void describe(Map<String, String> result) {
            result.put("thrown", Integer.toString(thrown));
            result.put("kinds", String.join(KIND_SEPARATOR, kinds));
        }
    }

    /** Live threads whose name starts with "rawpoll" (the adapters' poller threads). */
    private static long rawpollThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("rawpoll")).count();
    }

    /** The rawpoll thread count once it is back to {@code expected}, or after 5 s: stopping threads take a moment. */
    private static long rawpollThreadsAfterSettling(long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long n;
        while ((n = rawpollThreads()) != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return n;
    }

    /** Loads every class the scenarios use while descriptors are plentiful (class loading opens files). */
    private static void warmUp() throws Throwable {
        Errno.name(24);
        Errno.description(24);
        new SystemCallException("warm-up", 24, Errno.name(24), Errno.description(24)).getMessage();
        try (Poller p = Poller.open(); TcpListener l = TcpListener.bind(LOOPBACK, 1);
                TcpStream c = TcpStream.connect(l.localAddress())) {
            waitUntil(l.handle(), Interest.READABLE);
            try (TcpStream a = l.accept()) {
                a.write(new MemorySegment[0], 0, 0);
            }
        }
        EventLoop.open().close();
        BlockingSockets.open().close();
        otherMallocs();
        lowestFreeFd();
        FaultInjectionNative.Rlimit.restoreNoFile(FaultInjectionNative.Rlimit.lowerNoFile(1 << 20));
        FaultInjectionNative.Signals.sigpipePending();
    }

    static void waitUntil(long handle, int interest) throws IOException {
        waitUntil(handle, interest, 5000);
    }

    private static void waitUntil(long handle, int interest, long millis) throws IOException {
        try (Poller poller = Poller.open()) {
            poller.register(handle, interest, 1);
            poller.poll(poller.newEvents(1), millis, TimeUnit.MILLISECONDS);
            poller.deregister(handle);
        }
    }

    /** The lowest descriptor number not in use: the next one socket(2) would return. */
    private static int lowestFreeFd() throws Throwable {
        return FaultInjectionNative.Rlimit.lowestFreeFd();
    }

    private static final Pattern OTHER = Pattern.compile("- +Other \\(reserved=.*?\\n\\s*\\(malloc=\\d+KB tag=Other #(\\d+)\\)");

    /** NMT's count of live native allocations of category Other (FFM arenas, Unsafe). */
    static long otherMallocs() throws Throwable {
        String summary = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
        Matcher m = OTHER.matcher(summary);
        if (!m.find()) {
            throw new IllegalStateException("no Other category in the NMT summary (run with -XX:NativeMemoryTracking=summary): " + summary);
        }
        return Long.parseLong(m.group(1));
    }
}
