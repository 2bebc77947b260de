package dev.rawpoll.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.LeakCheck;
import dev.rawpoll.Poller;
import dev.rawpoll.TestPollers;
import dev.rawpoll.internal.Completions;
import dev.rawpoll.internal.Native;
import dev.rawpoll.loop.AsyncSockets;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.Task;
import dev.rawpoll.loop.Tasks;
import dev.rawpoll.net.ConnectionResetException;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What is particular to the loop's completions on io_uring ({@code AsyncSockets} as submitted
 * operations): the buffer rule under cancellation, close and loop close; one {@code io_uring_enter}
 * per pass; short writes, end of stream, errors; accepted sockets' flags. The shared behaviour runs
 * in the {@code *OnIoUringTest} suites.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(LeakCheck.class)
class UringCompletionLoopTest {
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private UringPoller poller;
    private Completions completions;
    private EventLoop loop;
    private TcpListener listener;

    @BeforeAll
    static void requireIoUring() {
        TestPollers.requireIoUring("UringCompletionLoopTest");
    }

    @BeforeEach
    void open() throws IOException {
        poller = UringPoller.open();
        completions = poller.completions();
        loop = EventLoop.open(poller);
        listener = TcpListener.bind(ANY_LOOPBACK, 4096);
    }

    @AfterEach
    void close() {
        loop.close();
        listener.close();
    }

    /** A connected pair: [client, server]. */
    private TcpStream[] pair() throws Exception {
        Task<TcpStream> accepted = loop.spawn(() -> AsyncSockets.accept(listener));
        TcpStream client = loop.runUntilComplete(() -> AsyncSockets.connect(listener.localAddress()));
        return new TcpStream[] {client, loop.runUntilComplete(accepted)};
    }

    @Test
    void aCancelledReadLosesNoBytes() throws Exception {
        TcpStream[] p = pair();
        try (TcpStream client = p[0]; TcpStream server = p[1]; Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(64);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            Task<Integer> reader = loop.spawn(() -> {
                int n = AsyncSockets.read(server, buffer); // in flight until the cancel's completion
                got.write(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                Tasks.sleep(Duration.ofSeconds(10)); // the cancellation restored after a read that got bytes
                return n;
            });
            loop.runUntilComplete(() -> {
                Tasks.sleep(Duration.ofMillis(20));
                assertEquals(1, completions.inFlight(), "the reader's recv is in the kernel");
                byte[] hello = "hello".getBytes();
                client.write(hello, 0, hello.length); // the recv may complete with it, or be cancelled first
                reader.cancel();
                return null;
            });
            CancellationException cancelled = assertThrows(CancellationException.class, () -> loop.runUntilComplete(reader));
            assertTrue(cancelled.getMessage().contains("cancelled"), cancelled.getMessage());
            assertEquals(0, completions.inFlight(), "the cancelled recv completed before the task ended");
            // What the cancelled read did not take is still in the socket: nothing is lost.
            byte[] rest = new byte[5];
            int taken = got.size();
            if (taken < 5) {
                loop.runUntilComplete(() -> {
                    AsyncSockets.readFully(server, rest, 0, 5 - taken);
                    return null;
                });
            }
            got.write(rest, 0, 5 - taken);
            assertEquals("hello", got.toString());
        }
    }

    @Test
    void aTaskCancelledWithNothingReadEndsAfterTheCancelCompletes() throws Exception {
        TcpStream[] p = pair();
        try (TcpStream client = p[0]; TcpStream server = p[1]) {
            Task<Integer> reader = loop.spawn(() -> AsyncSockets.read(server, new byte[16], 0, 16));
            loop.runUntilComplete(() -> {
                Tasks.sleep(Duration.ofMillis(10));
                // The read in flight is a watched handle, and toString says the same.
                assertEquals(1, loop.watchedHandles());
                assertTrue(loop.toString().contains("watched=1"), loop.toString());
                reader.cancel();
                return null;
            });
            assertThrows(CancellationException.class, () -> loop.runUntilComplete(reader));
            assertEquals(0, completions.inFlight());
            assertEquals(0, loop.watchedHandles());
            // The heap read went through the loop's bounce buffer; a new read on the same socket works.
            byte[] b = new byte[3];
            client.write("abc".getBytes(), 0, 3);
            loop.runUntilComplete(() -> {
                AsyncSockets.readFully(server, b, 0, 3);
                return null;
            });
            assertArrayEquals("abc".getBytes(), b);
        }
    }

    @Test
    void closingAStreamMidWriteCancelsTheSendAndReleasesTheDescriptorAfterItsCompletion() throws Exception {
        TcpStream[] p = pair();
        try (TcpStream client = p[0]; Arena arena = Arena.ofConfined()) {
            TcpStream server = p[1];
            server.setSendBufferSize(4096);
            client.setReceiveBufferSize(4096);
            MemorySegment big = arena.allocate(8 << 20); // far more than the buffers hold: the send waits in the kernel
            Task<Void> writer = loop.spawn(() -> {
                AsyncSockets.writeAll(server, big);
                return null;
            });
            long fd = server.handle();
            loop.runUntilComplete(() -> {
                Tasks.sleep(Duration.ofMillis(30));
                assertEquals(1, completions.inFlight(), "the send waits in the kernel");
                server.close(); // on the loop thread, with the send in flight
                assertTrue(isOpen((int) fd), "the descriptor is released only after the send's completion");
                return null;
            });
            SocketException e = assertThrows(SocketException.class, () -> loop.runUntilComplete(writer));
            assertTrue(e.getMessage().contains("Socket closed"), e.getMessage());
            assertEquals(0, completions.inFlight());
            assertTrue(!isOpen((int) fd), "fd " + fd + " still open after the send's completion");
        }
    }

    @Test
    void aStreamClosedByAnotherThreadMidReadIsReleasedByTheLoopAfterTheCompletion() throws Exception {
        TcpStream[] p = pair();
        try (TcpStream client = p[0]) {
            TcpStream server = p[1];
            long fd = server.handle();
            Task<Integer> reader = loop.spawn(() -> AsyncSockets.read(server, new byte[8], 0, 8));
            Thread closer = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(50); // the loop waits in the ring with the recv in flight
                } catch (InterruptedException e) {
                    return;
                }
                server.close();
            });
            SocketException e = assertThrows(SocketException.class, () -> loop.runUntilComplete(reader));
            assertTrue(e.getMessage().contains("Socket closed"), e.getMessage());
            closer.join();
            assertEquals(0, completions.inFlight());
            assertTrue(!isOpen((int) fd), "fd " + fd + " still open after the recv's completion");
        }
    }

    @Test
    void closingTheLoopWithOperationsInFlightDrainsThem() throws Exception {
        List<TcpStream> streams = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            TcpStream[] p = pair();
            streams.add(p[0]);
            streams.add(p[1]);
        }
        List<String> ends = new ArrayList<>();
        Arena arena = Arena.ofShared();
        for (TcpStream s : streams) {
            MemorySegment buffer = arena.allocate(1024);
            loop.spawn(() -> {
                try {
                    return AsyncSockets.read(s, buffer);
                } catch (CancellationException e) {
                    ends.add("cancelled");
                    throw e;
                }
            });
        }
        // One task ignores its cancellations: the loop abandons it and drains its read at close.
        TcpStream[] stubbornPair = pair();
        TcpStream stubborn = stubbornPair[1];
        Task<Void> ignoring = loop.spawn(() -> {
            for (;;) {
                try {
                    AsyncSockets.read(stubborn, new byte[8], 0, 8);
                } catch (CancellationException e) {
                    // ignored on purpose
                }
            }
        });
        loop.runOnce(0, java.util.concurrent.TimeUnit.MILLISECONDS);
        loop.runOnce(0, java.util.concurrent.TimeUnit.MILLISECONDS);
        assertEquals(11, completions.inFlight(), "reads in flight");
        List<Throwable> reported = new ArrayList<>();
        loop.setExceptionHandler(reported::add);
        loop.close();
        assertEquals(0, completions.inFlight(), "operations left in flight after close");
        assertEquals(10, ends.size(), "every reader ended with its cancellation: " + ends);
        assertTrue(!ignoring.isDone(), "the task that ignores cancellation was abandoned");
        arena.close(); // safe now: the kernel is done with every buffer
        assertTrue(reported.stream().anyMatch(t -> String.valueOf(t.getMessage()).contains("abandoned by close()")),
                "the abandoned task was reported: " + reported);
        for (TcpStream s : streams) {
            s.close();
        }
        stubbornPair[0].close();
        stubbornPair[1].close();
    }

    @Test
    void shortWritesAreLoopedOnCompletionsAndEveryByteArrivesInOrder() throws Exception {
        TcpStream[] p = pair();
        try (TcpStream client = p[0]; TcpStream server = p[1]) {
            server.setSendBufferSize(4096);
            byte[] out = new byte[300_000]; // several bounce buffers' worth, several short sends
            for (int i = 0; i < out.length; i++) out[i] = (byte) (i * 31 + (i >> 9));
            Task<Void> writer = loop.spawn(() -> {
                AsyncSockets.writeAll(server, out, 0, out.length);
                server.shutdownOutput();
                return null;
            });
            byte[] in = new byte[out.length];
            int total = loop.runUntilComplete(() -> {
                int n = 0;
                for (int r; (r = AsyncSockets.read(client, in, n, Math.min(1000, in.length - n))) > 0; ) {
                    n += r;
                    if (n == in.length) {
                        assertEquals(TcpStream.END_OF_STREAM, AsyncSockets.read(client, new byte[1], 0, 1));
                        break;
                    }
                }
                return n;
            });
            loop.runUntilComplete(writer);
            assertEquals(out.length, total);
            assertArrayEquals(out, in);
        }
    }

    @Test
    void errorsAreTheReadinessPathsExceptions() throws Exception {
        TcpStream[] p = pair();
        try (TcpStream server = p[1]) {
            TcpStream client = p[0];
            client.setLinger(0);
            client.close(); // RST
            int fd = (int) server.handle();
            ConnectionResetException e = assertThrows(ConnectionResetException.class,
                    () -> loop.runUntilComplete(() -> AsyncSockets.read(server, new byte[4], 0, 4)));
            assertEquals("recv(fd=" + fd + "): ECONNRESET (Connection reset by peer)", e.getMessage());
            assertEquals(TcpStream.END_OF_STREAM, (int) loop.runUntilComplete(() -> AsyncSockets.read(server, new byte[4], 0, 4)));
            IOException w = assertThrows(IOException.class, () -> loop.runUntilComplete(() -> {
                for (;;) {
                    AsyncSockets.write(server, new byte[1024], 0, 1024);
                }
            }));
            assertTrue(w.getMessage().startsWith("send(fd=" + fd + "): E"), w.getMessage());
            assertInstanceOf(dev.rawpoll.SystemCallException.class, w);
        }
    }

    @Test
    void acceptedSocketsAreNonBlockingAndCloseOnExec() throws Exception {
        TcpStream[] p = pair();
        try (TcpStream client = p[0]; TcpStream server = p[1]; Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            int fd = (int) server.handle();
            assertTrue((Sockets.fcntl(errno, fd, Sockets.F_GETFL, 0) & Sockets.O_NONBLOCK) != 0, "blocking");
            assertTrue((Sockets.fcntl(errno, fd, Sockets.F_GETFD, 0) & Sockets.FD_CLOEXEC) != 0, "not close-on-exec");
        }
    }

    @Test
    void onePassSubmitsEveryOperationWithOneEnter() throws Exception {
        int connections = 50;
        int rounds = 20;
        List<TcpStream> streams = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            TcpStream[] p = pair();
            streams.add(p[0]);
            streams.add(p[1]);
        }
        List<Task<Void>> tasks = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            TcpStream client = streams.get(2 * i);
            TcpStream server = streams.get(2 * i + 1);
            tasks.add(loop.spawn(() -> {
                byte[] b = new byte[32];
                for (int r = 0; r < rounds; r++) {
                    AsyncSockets.readFully(server, b, 0, 32);
                    AsyncSockets.writeAll(server, b, 0, 32);
                }
                return null;
            }));
            tasks.add(loop.spawn(() -> {
                byte[] b = new byte[32];
                for (int r = 0; r < rounds; r++) {
                    AsyncSockets.writeAll(client, b, 0, 32);
                    AsyncSockets.readFully(client, b, 0, 32);
                }
                return null;
            }));
        }
        long enters = poller.enterCalls();
        loop.runUntilComplete(Tasks.gather(tasks));
        long used = poller.enterCalls() - enters;
        long operations = 4L * connections * rounds; // at least: a send and a recv each side per round
        // One enter per pass, each submitting the operations of the pass: far fewer than one per operation.
        assertTrue(used * 10 < operations, used + " io_uring_enter calls for " + operations + " operations");
        for (TcpStream s : streams) {
            s.close();
        }
    }

    /**
     * The range forms ({@code read/write(stream, segment, offset, length)}, the echo servers' calls)
     * are completions too, and put the bytes at the offset: while the range read waits, the socket
     * has no readiness registration in the poller (registering it succeeds), and the bytes around
     * the range are untouched, for a native segment and for a heap one (bounce buffer).
     */
    @Test
    void theRangeFormsAreCompletionsAndKeepTheirOffsets() throws Exception {
        TcpStream[] p = pair();
        try (TcpStream client = p[0]; TcpStream server = p[1]; Arena arena = Arena.ofConfined()) {
            for (MemorySegment buffer : List.of(arena.allocate(16), MemorySegment.ofArray(new byte[16]))) {
                buffer.fill((byte) '.');
                Task<Integer> reader = loop.spawn(() -> AsyncSockets.read(server, buffer, 4, 8));
                loop.runOnce(0, java.util.concurrent.TimeUnit.MILLISECONDS);
                loop.runOnce(0, java.util.concurrent.TimeUnit.MILLISECONDS);
                assertTrue(!reader.isDone(), "nothing sent yet");
                poller.register(server.handle(), dev.rawpoll.Interest.READABLE, 0L); // not registered by the read
                poller.deregister(server.handle());
                MemorySegment out = arena.allocate(16);
                out.copyFrom(MemorySegment.ofArray("xxabcdefghijyy".getBytes()).asSlice(0, 14));
                loop.runUntilComplete(() -> {
                    AsyncSockets.writeAll(client, out, 2, 10); // "abcdefghij"
                    return null;
                });
                int n = loop.runUntilComplete(reader);
                assertEquals(8, n);
                assertEquals("....abcdefgh....", new String(buffer.toArray(ValueLayout.JAVA_BYTE)));
                byte[] rest = new byte[2];
                loop.runUntilComplete(() -> {
                    AsyncSockets.readFully(server, rest, 0, 2);
                    return null;
                });
                assertEquals("ij", new String(rest));
            }
        }
    }

    /** The example of docs/io_uring.md and the README, verbatim. */
    @Test
    void theDocumentedExampleRunsOnCompletions() throws Exception {
        String reply;
        try (EventLoop loop = EventLoop.open(Poller.openIoUring());
             TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 128)) {
            loop.spawn(() -> {
                try (TcpStream s = AsyncSockets.accept(listener)) {   // IORING_OP_ACCEPT
                    byte[] b = new byte[4];
                    AsyncSockets.readFully(s, b, 0, 4);               // IORING_OP_RECV
                    AsyncSockets.writeAll(s, b, 0, 4);                // IORING_OP_SEND
                }
                return null;
            });
            reply = loop.runUntilComplete(() -> {
                try (TcpStream c = AsyncSockets.connect(listener.localAddress())) {
                    AsyncSockets.writeAll(c, "ping".getBytes(), 0, 4);
                    byte[] b = new byte[4];
                    AsyncSockets.readFully(c, b, 0, 4);
                    return new String(b);
                }
            });
        }
        // reply: "ping"
        assertEquals("ping", reply);
    }

    private static boolean isOpen(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            return Sockets.fcntl(Native.allocateCapture(arena), fd, Sockets.F_GETFD, 0) >= 0;
        }
    }
}
