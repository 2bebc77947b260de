package dev.rawpoll.windows;

import static dev.rawpoll.Interest.ONESHOT;
import static dev.rawpoll.Interest.READABLE;
import static dev.rawpoll.Interest.WRITABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Events;
import dev.rawpoll.Poller;
import dev.rawpoll.Readiness;
import dev.rawpoll.SystemCallException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The IOCP backend for real, on loopback TCP sockets: the core of the Poller contract (the shared
 * PollerContractTest works on Unix pipes and socket pairs). Runs only on Windows, i.e. in the
 * windows-latest CI job; on Linux JUnit reports it as disabled.
 */
@EnabledOnOs(OS.WINDOWS)
class IocpPollerWindowsTest {
    private Poller poller;
    private Events events;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeEach
    void open() throws IOException {
        poller = Poller.open();
        events = poller.newEvents(64);
    }

    @AfterEach
    void close() throws Exception {
        poller.close();
        for (AutoCloseable r : resources) r.close();
    }

    private WinSockets.Pair pair() {
        WinSockets.Pair p = WinSockets.pair();
        resources.add(p);
        return p;
    }

    /** token → OR of readiness over one poll, stale events skipped. */
    private Map<Long, Integer> poll(long millis) throws IOException {
        Map<Long, Integer> seen = new HashMap<>();
        poller.poll(events, millis, TimeUnit.MILLISECONDS);
        events.forEach((token, readiness) -> seen.merge(token, readiness, (a, b) -> a | b));
        return seen;
    }

    /** Polls until {@code token} is reported (spurious others tolerated), at most 5 s. */
    private int expect(long token) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            Integer r = poll(1000).get(token);
            if (r != null) return r;
        }
        throw new AssertionError("no event for token " + token);
    }

    @Test
    void openPicksIocpOnWindows() {
        assertEquals("iocp", poller.backend());
    }

    @Test
    void readableWhenThePeerSendsAndAgainUntilRead() throws IOException {
        WinSockets.Pair p = pair();
        poller.register(p.server(), READABLE, 1);
        assertEquals(Map.of(), poll(50));
        WinSockets.send(p.client(), 10);
        assertEquals(Readiness.READABLE, expect(1));
        assertEquals(Readiness.READABLE, expect(1), "level-triggered: still readable");
        assertEquals(10, WinSockets.recv(p.server()));
        assertEquals(Map.of(), poll(50));
    }

    @Test
    void writableAtOnceAndAcceptIsReadable() throws IOException {
        WinSockets.Pair p = pair();
        poller.register(p.client(), WRITABLE, 2);
        assertEquals(Readiness.WRITABLE, expect(2));
        try (WinSockets.Listener l = WinSockets.listener()) {
            poller.register(l.socket(), READABLE, 3);
            assertEquals(Map.of(), poll(50));
            long c = WinSockets.connect(l);
            assertEquals(Readiness.READABLE, expect(3));
            long s = WinSockets.accept(l);
            poller.deregister(l.socket());
            WinSockets.close(c);
            WinSockets.close(s);
        }
    }

    @Test
    void oneshotReportsOnceUntilModify() throws IOException {
        WinSockets.Pair p = pair();
        poller.register(p.server(), READABLE | ONESHOT, 4);
        WinSockets.send(p.client(), 1);
        assertEquals(Readiness.READABLE, expect(4));
        assertEquals(Map.of(), poll(50));
        poller.modify(p.server(), READABLE | ONESHOT, 5);
        assertEquals(Readiness.READABLE, expect(5));
    }

    @Test
    void modifyWhilePendingSwitchesToTheNewInterestAndToken() throws IOException {
        WinSockets.Pair p = pair();
        poller.register(p.server(), READABLE, 6);
        assertEquals(Map.of(), poll(20));
        poller.modify(p.server(), WRITABLE, 7);
        assertEquals(Readiness.WRITABLE, expect(7));
    }

    @Test
    void deregisterWhilePendingThenNothingArrives() throws IOException {
        WinSockets.Pair p = pair();
        poller.register(p.server(), READABLE, 8);
        poller.deregister(p.server());
        WinSockets.send(p.client(), 1);
        assertEquals(Map.of(), poll(100));
        SystemCallException e = assertThrows(SystemCallException.class, () -> poller.deregister(p.server()));
        assertEquals("ERROR_NOT_FOUND", e.errnoName());
        poller.register(p.server(), READABLE, 9);
        assertEquals(Readiness.READABLE, expect(9));
    }

    @Test
    void peerShutdownIsReadClosedAndResetIsHangup() throws IOException {
        WinSockets.Pair p = pair();
        poller.register(p.server(), READABLE, 10);
        WinSockets.shutdownOutput(p.client());
        int r = expect(10);
        assertTrue((r & Readiness.READ_CLOSED) != 0 && (r & Readiness.READABLE) != 0, Readiness.toString(r));
        poller.deregister(p.server());

        WinSockets.Pair q = pair();
        poller.register(q.server(), 0, 11);
        WinSockets.reset(q.client());
        assertTrue((expect(11) & Readiness.HANGUP) != 0);
    }

    @Test
    void aSocketClosedWithoutDeregisterIsForgotten() throws IOException {
        WinSockets.Pair p = pair();
        poller.register(p.server(), READABLE, 12);
        WinSockets.close(p.server());
        assertEquals(Map.of(), poll(100));
        assertThrows(SystemCallException.class, () -> poller.modify(p.server(), READABLE, 13));
    }

    @Test
    void errorsNameTheWindowsError() throws IOException {
        WinSockets.Pair p = pair();
        poller.register(p.server(), READABLE, 14);
        assertEquals("ERROR_ALREADY_EXISTS",
                assertThrows(SystemCallException.class, () -> poller.register(p.server(), READABLE, 1)).errnoName());
        assertEquals("ERROR_NOT_FOUND",
                assertThrows(SystemCallException.class, () -> poller.modify(p.client(), READABLE, 1)).errnoName());
        SystemCallException notSocket = assertThrows(SystemCallException.class, () -> poller.register(0x7FFF_FFF0L, READABLE, 1));
        assertTrue(notSocket.getMessage().startsWith("WSAIoctl(socket="), notSocket.getMessage());
    }

    @Test
    void wakeupFromAnotherThreadEndsABlockedPoll() throws Exception {
        Thread waker = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            poller.wakeup();
        });
        assertEquals(0, poller.poll(events, -1, TimeUnit.MILLISECONDS));
        waker.join();
        poller.wakeup();
        poller.wakeup();
        assertEquals(0, poller.poll(events, -1, TimeUnit.MILLISECONDS));
        assertEquals(0, poller.poll(events, 0, TimeUnit.MILLISECONDS));
    }

    @Test
    void closeWithPendingPollsReturns() throws IOException {
        WinSockets.Pair p = pair();
        poller.register(p.server(), READABLE, 15);
        poller.register(p.client(), READABLE, 16);
        poller.close();
        assertThrows(IllegalStateException.class, () -> poller.poll(events, 0, TimeUnit.MILLISECONDS));
    }
}
