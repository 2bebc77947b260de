package dev.rawpoll.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.LeakCheck;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * What a task's socket waits cost in registration changes (counted through a wrapping poller),
 * and that a registration kept between waits never outlives its socket, its task's
 * cancellation or its timeout.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64") // where dev.rawpoll.net has sockets
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(LeakCheck.class)
class TaskRegistrationTest {
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private CountingPoller poller;
    private EventLoop loop;
    private TcpListener listener;

    @BeforeEach
    void open() throws IOException {
        poller = CountingPoller.open();
        loop = EventLoop.open(poller);
        listener = TcpListener.bind(ANY_LOOPBACK, 64);
    }

    @AfterEach
    void close() {
        loop.close();
        listener.close();
    }

    /** A connected pair made inside a task: {client, server}. */
    private TcpStream[] pair() throws IOException {
        TcpStream client = AsyncSockets.connect(listener.localAddress());
        return new TcpStream[] {client, AsyncSockets.accept(listener)};
    }

    @Test
    void aTaskThatWaitsAgainOnTheSameSocketCausesNoRegistrationChangeBetweenTheWaits() throws Exception {
        int rounds = 20;
        long[] serverHandle = {-1};
        loop.runUntilComplete(() -> {
            TcpStream[] p = pair();
            try (TcpStream client = p[0]; TcpStream server = p[1]) {
                serverHandle[0] = server.handle();
                Task<Void> echo = Tasks.spawn(() -> {
                    byte[] b = new byte[64];
                    for (int n; (n = AsyncSockets.read(server, b, 0, b.length)) > 0; ) {
                        AsyncSockets.writeAll(server, b, 0, n);
                    }
                    return null;
                });
                byte[] back = new byte[1];
                for (int i = 0; i < rounds; i++) {
                    AsyncSockets.writeAll(client, new byte[] {(byte) i}, 0, 1);
                    AsyncSockets.readFully(client, back, 0, 1);
                    assertEquals((byte) i, back[0]);
                }
                assertEquals(List.of("register " + server.handle()), poller.changesOf(server.handle()),
                        "one registration for " + rounds + " waits of the echo task");
                client.shutdownOutput();
                Tasks.await(echo);
            }
            return null;
        });
        assertEquals(List.of("register " + serverHandle[0], "deregister " + serverHandle[0]),
                poller.changesOf(serverHandle[0]), "deregistered once, when the echo task stopped waiting");
        assertEquals(0, loop.watchedHandles() - (poller.registered.contains(listener.handle()) ? 1 : 0));
    }

    @Test
    void aTaskWokenByItsSocketRunsInThePassWhosePollFoundItReady() throws Exception {
        Task<TcpStream[]> connect = loop.spawn(this::pair);
        TcpStream[] p = loop.runUntilComplete(connect);
        try (TcpStream client = p[0]; TcpStream server = p[1]) {
            Task<Integer> reader = loop.spawn(() -> AsyncSockets.read(server, new byte[8], 0, 8));
            while (!loop.watchers().has(server.handle(), FdWatchers.READ)) {
                loop.runOnce(0, TimeUnit.SECONDS);
            }
            assertEquals(1, client.write(new byte[] {1}, 0, 1));
            loop.runOnce(5, TimeUnit.SECONDS); // data is there: returns after one poll
            assertTrue(reader.isDone(), "the reader ran in the pass whose poll saw its socket readable");
            assertEquals(1, reader.result());
        }
    }

    @Test
    void aSecondTaskWaitingToReadTheSameSocketIsRefusedAndTheFirstStillGetsTheData() throws Exception {
        loop.runUntilComplete(() -> {
            TcpStream[] p = pair();
            try (TcpStream client = p[0]; TcpStream server = p[1]) {
                Task<Integer> first = Tasks.spawn(() -> AsyncSockets.read(server, new byte[8], 0, 8));
                Tasks.yieldNow(); // the first reader is waiting now
                assertTrue(loop.watchers().has(server.handle(), FdWatchers.READ));
                Task<Integer> second = Tasks.spawn(() -> AsyncSockets.read(server, new byte[8], 0, 8));
                Exception refused = assertThrows(IllegalStateException.class, () -> Tasks.await(second));
                assertEquals("handle " + server.handle() + " already has a reader", refused.getMessage());
                assertTrue(loop.watchers().has(server.handle(), FdWatchers.READ), "the refusal left the first waiter alone");
                client.write(new byte[] {1, 2}, 0, 2);
                assertEquals(2, Tasks.await(first));
                assertFalse(loop.watchers().has(server.handle(), FdWatchers.READ), "released when the wait ended");
                client.write(new byte[] {3}, 0, 1);
                assertEquals(1, AsyncSockets.read(server, new byte[8], 0, 8), "the direction is free for the next reader");
            }
            return null;
        });
    }

    @Test
    void aShortReadMakesTheNextReadWaitAndDataAlreadyThereIsStillRead() throws Exception {
        loop.runUntilComplete(() -> {
            TcpStream[] p = pair();
            try (TcpStream client = p[0]; TcpStream server = p[1]) {
                client.write(new byte[] {1, 2, 3}, 0, 3);
                byte[] b = new byte[8];
                assertEquals(3, AsyncSockets.read(server, b, 0, 8)); // short: probably drained
                assertTrue(loop.watchers().drained(server.handle()));
                client.write(new byte[] {4, 5}, 0, 2);
                Tasks.sleep(Duration.ofMillis(5)); // the bytes are in the socket before the read
                assertEquals(2, AsyncSockets.read(server, b, 0, 8), "waits, and level-triggered readiness is there");
                assertArrayEquals(new byte[] {4, 5}, java.util.Arrays.copyOf(b, 2));
                client.write(new byte[8], 0, 8);
                Tasks.sleep(Duration.ofMillis(5));
                assertEquals(8, AsyncSockets.read(server, b, 0, 8));
                assertFalse(loop.watchers().drained(server.handle()), "a full read does not say drained");
            }
            return null;
        });
    }

    @Test
    void aRegistrationNobodyWaitsOnIsDroppedBeforeTheNextWait() throws Exception {
        loop.runUntilComplete(() -> {
            TcpStream[] p = pair();
            try (TcpStream client = p[0]; TcpStream server = p[1]) {
                loop.callLater(5, TimeUnit.MILLISECONDS, () -> write(client, 7));
                AsyncSockets.read(server, new byte[1], 0, 1);
                assertTrue(poller.registered.contains(server.handle()), "kept while the task runs on");
                Tasks.yieldNow(); // one pass: its wait drops the registration first
                assertFalse(poller.registered.contains(server.handle()), "dropped before the next wait");
                assertTrue(server.isOpen());
            }
            return null;
        });
    }

    @Test
    void aSocketClosedWhileItsRegistrationIsKeptIsForgottenBeforeItsNumberIsReused() throws Exception {
        loop.runUntilComplete(() -> {
            TcpStream[] first = pair();
            TcpStream oldPeer = first[1];
            long number;
            try (TcpStream old = first[0]) {
                number = old.handle();
                loop.callLater(5, TimeUnit.MILLISECONDS, () -> write(oldPeer, 1));
                AsyncSockets.read(old, new byte[1], 0, 1);        // registered, and kept
                write(oldPeer, 2);                                // the old socket is readable again
            }                                                     // closed in the same pass
            assertFalse(poller.registered.contains(number), "deregistered before close(2)");
            try (oldPeer; TcpStream fresh = AsyncSockets.connect(listener.localAddress());
                    TcpStream peer = AsyncSockets.accept(listener)) {
                assertEquals(number, fresh.handle(), "the new socket got the old number");
                Task<byte[]> reader = Tasks.spawn(() -> {
                    byte[] b = new byte[1];
                    AsyncSockets.readFully(fresh, b, 0, 1);
                    return b;
                });
                Tasks.sleep(Duration.ofMillis(20));
                assertFalse(reader.isDone(), "no event of the old socket reached the new one");
                write(peer, 42);
                byte[] got = Tasks.withTimeout(Duration.ofSeconds(10), () -> Tasks.await(reader));
                assertEquals(42, got[0]);
            }
            return null;
        });
    }

    @Test
    void cancelAndTimeoutLeaveNoRegistrationBehind() throws Exception {
        loop.runUntilComplete(() -> {
            TcpStream[] p = pair();
            try (TcpStream client = p[0]; TcpStream server = p[1]) {
                Task<Integer> reader = Tasks.spawn(() -> AsyncSockets.read(server, new byte[1], 0, 1));
                Tasks.sleep(Duration.ofMillis(5));
                assertTrue(poller.registered.contains(server.handle()));
                reader.cancel();
                assertThrows(CancellationException.class, () -> Tasks.await(reader));
                Tasks.yieldNow();
                assertFalse(poller.registered.contains(server.handle()), "cancelled wait: nothing registered");

                assertThrows(TimeoutException.class, () -> Tasks.withTimeout(Duration.ofMillis(5),
                        () -> AsyncSockets.read(client, new byte[1], 0, 1)));
                Tasks.yieldNow();
                assertFalse(poller.registered.contains(client.handle()), "timed-out wait: nothing registered");
                assertTrue(client.isOpen() && server.isOpen());
            }
            return null;
        });
        assertEquals(0, loop.watchedHandles() - (poller.registered.contains(listener.handle()) ? 1 : 0));
    }

    /**
     * A connect that cannot finish (the listener's accept queue is full, so the SYN is dropped)
     * waits for writability; cancelled, it closes its socket and leaves no registration.
     */
    @Test
    void aConnectCancelledWhileItWaitsClosesItsSocketAndLeavesNoRegistration() throws Exception {
        try (TcpListener full = TcpListener.bind(ANY_LOOPBACK, 1)) {
            List<TcpStream> queued = new java.util.ArrayList<>();
            try {
                long fdsBefore = dev.rawpoll.TestFds.openFdCount();
                Task<TcpStream> connect = loop.spawn(() -> {
                    for (int i = 0; i < 8; i++) { // fill the accept queue (backlog + 1 on Linux)
                        queued.add(TcpStream.connect(full.localAddress()));
                    }
                    Tasks.sleep(Duration.ofMillis(20)); // let the handshakes complete
                    return Tasks.withTimeout(Duration.ofMillis(300), () -> AsyncSockets.connect(full.localAddress()));
                });
                assertThrows(TimeoutException.class, () -> loop.runUntilComplete(connect),
                        "the connect could not finish: the accept queue was full");
                loop.runOnce(0, TimeUnit.SECONDS); // the next wait drops what nobody wants
                for (TcpStream s : queued) {
                    assertFalse(poller.registered.contains(s.handle()));
                }
                assertEquals(0, loop.watchedHandles() - (poller.registered.contains(listener.handle()) ? 1 : 0),
                        "the cancelled connect left no registration");
                assertEquals(fdsBefore + queued.size(), dev.rawpoll.TestFds.openFdCount(),
                        "the cancelled connect closed its socket");
            } finally {
                queued.forEach(TcpStream::close);
            }
        }
    }

    static void write(TcpStream s, int value) {
        try {
            assertEquals(1, s.write(new byte[] {(byte) value}, 0, 1));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
