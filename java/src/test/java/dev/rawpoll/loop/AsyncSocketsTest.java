package dev.rawpoll.loop;

import dev.rawpoll.TestSockets;
import dev.rawpoll.Poller;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.LeakCheck;
import dev.rawpoll.TestFds;
import dev.rawpoll.net.ConnectionRefusedException;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.condition.EnabledIf;

@EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(LeakCheck.class)
class AsyncSocketsTest {

    /** The poller of this class's loops: the OS default here; the {@code OnKqueue} subclass runs every test on kqueue. */
    Poller openPoller() throws IOException {
        return Poller.open();
    }

    EventLoop newLoop() throws IOException {
        return EventLoop.open(openPoller());
    }
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private EventLoop loop;
    private TcpListener listener;

    @BeforeEach
    void open() throws IOException {
        loop = newLoop();
        listener = TcpListener.bind(ANY_LOOPBACK, 4096);
    }

    @AfterEach
    void close() {
        loop.close();
        listener.close();
    }

    @Test
    void aTaskWaitingToReadResumesOnlyWhenDataArrives() throws Exception {
        List<String> events = new ArrayList<>();
        // The tick is scheduled once the server waits to read, and the client writes only after
        // it: the order below is made by the test, not by timers racing the accept (a timer set
        // before the accept fired first once on a loaded machine).
        Promise<Void> ticked = loop.newPromise();
        Task<String> server = loop.spawn(() -> {
            try (TcpStream s = AsyncSockets.accept(listener)) {
                events.add("accepted");
                loop.callLater(10, TimeUnit.MILLISECONDS, () -> {
                    events.add("tick");
                    ticked.complete(null);
                });
                byte[] b = new byte[4];
                AsyncSockets.readFully(s, b, 0, 4);
                events.add("read");
                return new String(b);
            }
        });
        Task<Void> client = loop.spawn(() -> {
            try (TcpStream s = AsyncSockets.connect(listener.localAddress())) {
                Tasks.await(ticked); // the loop ran passes, a timer among them, while the server waited
                events.add("write");
                AsyncSockets.writeAll(s, "ping".getBytes(), 0, 4);
                Tasks.await(server);
            }
            return null;
        });
        assertEquals("ping", loop.runUntilComplete(server));
        loop.runUntilComplete(client);
        assertEquals(List.of("accepted", "tick", "write", "read"), events);
        assertEquals(0, loop.watchedHandles());
    }

    @Test
    void connectToAClosedPortThrowsConnectionRefused() throws Exception {
        InetSocketAddress closed = listener.localAddress();
        listener.close();
        assertThrows(ConnectionRefusedException.class,
                () -> loop.runUntilComplete(() -> AsyncSockets.connect(closed)));
    }

    @Test
    void readFullyThrowsEofWhenThePeerClosesEarly() throws Exception {
        Task<Void> server = loop.spawn(() -> {
            try (TcpStream s = AsyncSockets.accept(listener)) {
                AsyncSockets.writeAll(s, new byte[3], 0, 3);
            }
            return null;
        });
        EOFException e = assertThrows(EOFException.class, () -> loop.runUntilComplete(() -> {
            try (TcpStream s = AsyncSockets.connect(listener.localAddress())) {
                AsyncSockets.readFully(s, new byte[8], 0, 8);
            }
            return null;
        }));
        assertTrue(e.getMessage().contains("3 of 8"), e.getMessage());
        loop.runUntilComplete(server);
    }

    @Test
    void writeAllWaitsForTheReaderWhenTheSendBufferIsFull() throws Exception {
        int size = 8 << 20; // far beyond the socket buffers: writeAll must wait for the reader
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (i * 31 + (i >>> 11));
        }
        Task<byte[]> server = loop.spawn(() -> {
            try (TcpStream s = AsyncSockets.accept(listener)) {
                Tasks.sleep(Duration.ofMillis(10)); // let the writer fill the buffers first
                byte[] got = new byte[size];
                AsyncSockets.readFully(s, got, 0, size);
                assertEquals(TcpStream.END_OF_STREAM, AsyncSockets.read(s, new byte[1], 0, 1));
                return got;
            }
        });
        loop.runUntilComplete(() -> {
            try (TcpStream s = AsyncSockets.connect(listener.localAddress())) {
                AsyncSockets.writeAll(s, data, 0, size);
                s.shutdownOutput();
                Tasks.await(server);
            }
            return null;
        });
        assertArrayEquals(data, server.result());
    }

    @Test
    void aTaskCancelledWhileReadingStopsWatchingTheSocket() throws Exception {
        Task<Integer> reader = loop.spawn(() -> {
            try (TcpStream s = AsyncSockets.accept(listener)) {
                return AsyncSockets.read(s, new byte[1], 0, 1);
            }
        });
        Task<Void> client = loop.spawn(() -> {
            try (TcpStream s = AsyncSockets.connect(listener.localAddress())) {
                Tasks.sleep(Duration.ofMillis(10));
                assertEquals(1, loop.watchedHandles(), "the reader waits on its socket");
                reader.cancel();
                Tasks.yieldNow();
                Tasks.yieldNow();
                assertEquals(0, loop.watchedHandles());
            }
            return null;
        });
        loop.runUntilComplete(client);
        assertThrows(CancellationException.class, () -> loop.runUntilComplete(reader));
    }

    /**
     * 10,000 tasks on one loop: 5,000 clients, each talking to its own echo task over its own
     * loopback connection (10,000 socket descriptors, so the soft descriptor limit must allow it).
     */
    @Test
    @EnabledOnOs(value = OS.LINUX, disabledReason = "reads the descriptor limit from /proc/self/limits")
    void tenThousandTasksPingPongWithTheRightBytes() throws Exception {
        int connections = 5000;
        int rounds = 10;
        int message = 32;
        long limit = softFdLimit();
        assertTrue(limit >= 2L * connections + TestFds.openFdCount() + 64,
                "the soft limit of open files (" + limit + ") is too low for " + 2 * connections + " sockets");

        List<Task<Integer>> echoes = new ArrayList<>();
        Task<Void> acceptor = loop.spawn(() -> {
            for (int i = 0; i < connections; i++) {
                TcpStream s = AsyncSockets.accept(listener);
                echoes.add(Tasks.spawn(() -> {
                    try (s) {
                        byte[] b = new byte[message];
                        int n = 0;
                        while (AsyncSockets.read(s, b, 0, 1) == 1) { // byte by byte first, then the rest
                            AsyncSockets.readFully(s, b, 1, message - 1);
                            AsyncSockets.writeAll(s, b, 0, message);
                            n++;
                        }
                        return n;
                    }
                }));
            }
            return null;
        });
        List<Task<Integer>> clients = new ArrayList<>();
        InetSocketAddress server = listener.localAddress();
        for (int c = 0; c < connections; c++) {
            int id = c;
            clients.add(loop.spawn(() -> {
                try (TcpStream s = AsyncSockets.connect(server)) {
                    byte[] out = new byte[message];
                    byte[] in = new byte[message];
                    int ok = 0;
                    for (int r = 0; r < rounds; r++) {
                        for (int i = 0; i < message; i++) {
                            out[i] = (byte) (id * 7 + r * 13 + i);
                        }
                        AsyncSockets.writeAll(s, out, 0, message);
                        AsyncSockets.readFully(s, in, 0, message);
                        if (java.util.Arrays.equals(out, in)) {
                            ok++;
                        }
                    }
                    return ok;
                }
            }));
        }
        List<Integer> answered = loop.runUntilComplete(Tasks.gather(clients));
        loop.runUntilComplete(acceptor);
        List<Integer> echoed = loop.runUntilComplete(Tasks.gather(echoes));
        assertEquals(connections, answered.size());
        assertTrue(answered.stream().allMatch(n -> n == rounds), "a client got wrong bytes");
        assertTrue(echoed.stream().allMatch(n -> n == rounds), "an echo task saw a different number of rounds");
        assertEquals(0, loop.watchedHandles());
    }

    /** The example of notes/README-loop.md. */
    @Test
    void theReadmeExampleWorks() throws Exception {
        try (TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 128);
             EventLoop loop = newLoop()) {
            loop.spawn(() -> {                                  // an echo server, one task per client
                for (;;) {
                    TcpStream s = AsyncSockets.accept(listener);
                    Tasks.spawn(() -> {
                        try (s) {
                            byte[] b = new byte[4096];
                            for (int n; (n = AsyncSockets.read(s, b, 0, b.length)) > 0; ) {
                                AsyncSockets.writeAll(s, b, 0, n);
                            }
                        }
                        return null;
                    });
                }
            });
            String reply = loop.runUntilComplete(() -> {       // a client
                try (TcpStream s = AsyncSockets.connect(listener.localAddress())) {
                    AsyncSockets.writeAll(s, "ping".getBytes(), 0, 4);
                    byte[] b = new byte[4];
                    Tasks.withTimeout(Duration.ofSeconds(1), () -> { AsyncSockets.readFully(s, b, 0, 4); return null; });
                    return new String(b);
                }
            });
            assertEquals("ping", reply);
        }
    }

    /** The soft RLIMIT_NOFILE, read from /proc/self/limits. */
    private static long softFdLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
            }
        }
        throw new IOException("no 'Max open files' in /proc/self/limits");
    }
}
