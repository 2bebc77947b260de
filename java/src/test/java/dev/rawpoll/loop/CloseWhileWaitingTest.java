package dev.rawpoll.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.LeakCheck;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Closing a socket that a task waits on (issue 12.5, python/cpython#88968): the waiter wakes
 * with "Socket closed", the loop forgets the socket before its number is released, and a new
 * socket that gets the number works.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64") // where dev.rawpoll.net has sockets
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(LeakCheck.class)
class CloseWhileWaitingTest {
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final Duration BOUND = Duration.ofSeconds(10);

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

    private TcpStream[] pair() throws IOException {
        TcpStream client = AsyncSockets.connect(listener.localAddress());
        return new TcpStream[] {client, AsyncSockets.accept(listener)};
    }

    /** The given input: A reads, B closes; then a new connection gets the number. */
    @Test
    void closingAStreamATaskReadsFromWakesItAndTheNumberWorksForTheNextSocket() throws Exception {
        loop.runUntilComplete(() -> {
            TcpStream[] p = pair();
            try (TcpStream peer = p[1]) {
                TcpStream s = p[0];
                long number = s.handle();
                Task<Integer> a = Tasks.spawn(() -> AsyncSockets.read(s, new byte[1], 0, 1));
                Tasks.sleep(Duration.ofMillis(5));
                s.close(); // task B (this one): a plain close
                assertFalse(poller.registered.contains(number), "forgotten before close(2)");
                SocketException e = assertThrows(SocketException.class,
                        () -> Tasks.withTimeout(BOUND, () -> Tasks.await(a)));
                assertTrue(e.getMessage().contains("closed"), e.getMessage());
                reuseWorks(number);
            }
            return null;
        });
    }

    @Test
    void closingAListenerATaskAcceptsOnWakesIt() throws Exception {
        loop.runUntilComplete(() -> {
            TcpListener other = TcpListener.bind(ANY_LOOPBACK, 8);
            long number = other.handle();
            Task<TcpStream> a = Tasks.spawn(() -> AsyncSockets.accept(other));
            Tasks.sleep(Duration.ofMillis(5));
            other.close();
            assertFalse(poller.registered.contains(number));
            assertThrows(SocketException.class, () -> Tasks.withTimeout(BOUND, () -> Tasks.await(a)));
            reuseWorks(number);
            return null;
        });
    }

    @Test
    void closingAStreamATaskWritesToWakesIt() throws Exception {
        loop.runUntilComplete(() -> {
            TcpStream[] p = pair();
            try (TcpStream peer = p[1]; Arena arena = Arena.ofConfined()) {
                TcpStream s = p[0];
                long number = s.handle();
                MemorySegment big = arena.allocate(64 << 20); // more than the socket buffers hold
                Task<Void> a = Tasks.spawn(() -> {
                    AsyncSockets.writeAll(s, big);
                    return null;
                });
                Tasks.sleep(Duration.ofMillis(20));
                assertFalse(a.isDone(), "the writer waits: the peer reads nothing");
                s.close();
                assertFalse(poller.registered.contains(number));
                assertThrows(SocketException.class, () -> Tasks.withTimeout(BOUND, () -> Tasks.await(a)));
                reuseWorks(number);
            }
            return null;
        });
    }

    /** Cancelled first, closed before the cancellation ran: it ends cancelled, nothing is left. */
    @Test
    void closingDuringAPendingCancelEndsTheTaskCancelledAndLeavesNothing() throws Exception {
        loop.runUntilComplete(() -> {
            TcpStream[] p = pair();
            try (TcpStream peer = p[1]) {
                TcpStream s = p[0];
                long number = s.handle();
                Task<Integer> a = Tasks.spawn(() -> AsyncSockets.read(s, new byte[1], 0, 1));
                Tasks.sleep(Duration.ofMillis(5));
                a.cancel();
                s.close();
                assertThrows(CancellationException.class, () -> Tasks.withTimeout(BOUND, () -> Tasks.await(a)));
                assertFalse(poller.registered.contains(number));
                reuseWorks(number);
            }
            return null;
        });
    }

    /** A timeout that fired, with the close before the task ran: a TimeoutException, nothing left. */
    @Test
    void closingDuringAPendingTimeoutLeavesNothing() throws Exception {
        loop.runUntilComplete(() -> {
            TcpStream[] p = pair();
            try (TcpStream peer = p[1]) {
                TcpStream s = p[0];
                long number = s.handle();
                // The timer fires and cancels the reader; the close runs right after, in the same pass.
                Task<Integer> a = Tasks.spawn(() -> Tasks.withTimeout(Duration.ofMillis(10),
                        () -> AsyncSockets.read(s, new byte[1], 0, 1)));
                loop.callLater(10, TimeUnit.MILLISECONDS, s::close);
                assertThrows(Exception.class, () -> Tasks.withTimeout(BOUND, () -> Tasks.await(a)));
                assertFalse(s.isOpen());
                assertFalse(poller.registered.contains(number));
                reuseWorks(number);
            }
            return null;
        });
    }

    /**
     * From another thread while the loop runs: close() returns at once and the socket is closed
     * for its users; the loop thread forgets it, wakes the waiter and only then releases the
     * number (the JDK's deferred close of a registered channel).
     */
    @Test
    void closeFromAnotherThreadWhileTheLoopRunsIsFinishedByTheLoopThread() throws Exception {
        loop.runUntilComplete(() -> {
            TcpStream[] p = pair();
            try (TcpStream peer = p[1]) {
                TcpStream s = p[0];
                long number = s.handle();
                Task<Integer> a = Tasks.spawn(() -> AsyncSockets.read(s, new byte[1], 0, 1));
                Tasks.sleep(Duration.ofMillis(5));
                long fdsBefore = dev.rawpoll.TestFds.openFdCount();
                Thread other = new Thread(s::close);
                other.start();
                other.join(); // the loop thread is in this task: it cannot have finished the close yet
                assertFalse(s.isOpen(), "closed for its users at once");
                assertEquals(fdsBefore, dev.rawpoll.TestFds.openFdCount(), "the number is not released yet");
                assertTrue(poller.registered.contains(number), "still registered: only the loop thread deregisters");
                assertThrows(SocketException.class, () -> Tasks.withTimeout(BOUND, () -> Tasks.await(a)));
                assertFalse(poller.registered.contains(number));
                assertEquals(fdsBefore - 1, dev.rawpoll.TestFds.openFdCount(), "released by the loop thread");
                reuseWorks(number);
            }
            return null;
        });
    }

    /** Closed from another thread while the loop runs, then the loop stops and closes: nothing leaks. */
    @Test
    void aCloseFromAnotherThreadThatTheLoopHasNotFinishedIsFinishedByLoopClose() throws Exception {
        TcpStream[] p = loop.runUntilComplete(this::pair);
        try (TcpStream peer = p[1]) {
            TcpStream s = p[0];
            Task<Integer> a = loop.spawn(() -> AsyncSockets.read(s, new byte[1], 0, 1));
            loop.runOnce(0, TimeUnit.SECONDS);
            assertTrue(poller.registered.contains(s.handle()));
            loop.callSoon(() -> {
                Thread other = new Thread(s::close);
                other.start();
                try {
                    other.join();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            loop.runOnce(0, TimeUnit.SECONDS);
            assertFalse(s.isOpen());
        } // the LeakCheck after loop.close() shows the descriptor released
    }

    /** A new connection whose client socket gets {@code number} reads and waits as any other. */
    private void reuseWorks(long number) throws Exception {
        try (TcpStream fresh = AsyncSockets.connect(listener.localAddress());
                TcpStream peer = AsyncSockets.accept(listener)) {
            assertEquals(number, fresh.handle(), "the number was reused");
            Task<Integer> reader = Tasks.spawn(() -> AsyncSockets.read(fresh, new byte[1], 0, 1));
            Tasks.sleep(Duration.ofMillis(5));
            assertFalse(reader.isDone());
            TaskRegistrationTest.write(peer, 9);
            assertEquals(1, Tasks.withTimeout(BOUND, () -> Tasks.await(reader)));
        }
    }
}
