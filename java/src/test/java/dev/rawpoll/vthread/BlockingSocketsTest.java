package dev.rawpoll.vthread;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.LeakCheck;
import dev.rawpoll.SystemCallException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;

/** Virtual threads doing blocking-style socket calls, parked on rawpoll pollers. */
@EnabledOnOs(OS.LINUX)
@ExtendWith(LeakCheck.class)
class BlockingSocketsTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    private BlockingSockets io;

    @BeforeEach
    void open() throws IOException {
        io = BlockingSockets.open();
    }

    @AfterEach
    void close() {
        io.close(); // then LeakCheck counts the descriptors
    }

    @Test
    @Timeout(120)
    void tenThousandVirtualThreadsPingPong() throws Exception {
        int pairs = 5_000, rounds = 10;
        long limit = softFdLimit();
        assertTrue(limit >= 2L * pairs + 100,
                "this test needs " + (2 * pairs + 100) + " descriptors; the soft limit (ulimit -n) is " + limit);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger verified = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        try (BlockingTcpListener listener = io.bind(LOOPBACK, 4096)) {
            InetSocketAddress address = listener.localAddress();
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < pairs; i++) {
                        BlockingTcpStream server = listener.accept();
                        threads.add(Thread.ofVirtual().start(() -> echo(server, rounds, failures)));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < pairs; c++) {
                int id = c;
                clients.add(Thread.ofVirtual().start(() -> {
                    try (BlockingTcpStream s = io.connect(address)) {
                        for (int r = 0; r < rounds; r++) {
                            byte[] ping = ("p" + id + ":" + r + "        ").substring(0, 12).getBytes();
                            s.writeAll(ping);
                            assertArrayEquals(ping, s.readFully(new byte[12]));
                        }
                        verified.incrementAndGet();
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread t : clients) t.join();
            acceptor.join();
            for (Thread t : threads) t.join();
        }
        assertTrue(failures.isEmpty(), () -> failures.size() + " failures, first: " + failures.peek());
        assertEquals(pairs, verified.get(), "every client verified every echo");
    }

    private static void echo(BlockingTcpStream server, int rounds, ConcurrentLinkedQueue<Throwable> failures) {
        try (server) {
            byte[] buf = new byte[12];
            for (int r = 0; r < rounds; r++) {
                server.writeAll(server.readFully(buf));
            }
        } catch (Throwable e) {
            failures.add(e);
        }
    }

    @Test
    @Timeout(30)
    void aReaderParksUntilDataArrives() throws Exception {
        try (BlockingTcpListener listener = io.bind(LOOPBACK, 8);
                BlockingTcpStream client = io.connect(listener.localAddress());
                BlockingTcpStream server = listener.accept()) {
            AtomicReference<Object> got = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(1);
            Thread reader = Thread.ofVirtual().start(() -> {
                started.countDown();
                try {
                    got.set(server.readFully(new byte[3]));
                } catch (Throwable e) {
                    got.set(e);
                }
            });
            started.await();
            Thread.sleep(100);
            assertEquals(Thread.State.WAITING, reader.getState(), "parked, not spinning");
            client.writeAll("abc".getBytes());
            reader.join(5000);
            assertArrayEquals("abc".getBytes(), (byte[]) got.get());
        }
    }

    @Test
    @Timeout(30)
    void closingASocketReleasesAThreadParkedOnIt() throws Exception {
        try (BlockingTcpListener listener = io.bind(LOOPBACK, 8);
                BlockingTcpStream client = io.connect(listener.localAddress())) {
            BlockingTcpStream server = listener.accept();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    server.read(new byte[1], 0, 1);
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            while (reader.getState() != Thread.State.WAITING) Thread.sleep(5);
            server.close();
            reader.join(5000);
            assertTrue(failure.get() instanceof IOException, "got " + failure.get());
        }
    }

    @Test
    @Timeout(30)
    void connectionRefusedIsAClearError() throws Exception {
        InetSocketAddress closed;
        try (BlockingTcpListener listener = io.bind(LOOPBACK, 1)) {
            closed = listener.localAddress();
        }
        SystemCallException e = assertThrows(SystemCallException.class, () -> io.connect(closed));
        assertEquals("ECONNREFUSED", e.errnoName(), e.getMessage());
    }

    @Test
    @Timeout(30)
    void closingTheAdapterReleasesEveryParkedThread() throws Exception {
        try (BlockingTcpListener listener = io.bind(LOOPBACK, 8)) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    listener.accept();
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            while (acceptor.getState() != Thread.State.WAITING) Thread.sleep(5);
            io.close();
            acceptor.join(5000);
            assertTrue(failure.get() instanceof IOException, "got " + failure.get());
            assertThrows(IllegalStateException.class, () -> listener.accept(), "no more waiting once closed");
        }
    }

    private static long softFdLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                return Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
            }
        }
        throw new AssertionError("no 'Max open files' in /proc/self/limits");
    }

}
