package dev.rawpoll.bsd;

import static dev.rawpoll.Interest.EDGE;
import static dev.rawpoll.Interest.READABLE;
import static dev.rawpoll.Interest.WRITABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Events;
import dev.rawpoll.Poller;
import dev.rawpoll.PollerContractTest;
import dev.rawpoll.Readiness;
import dev.rawpoll.SignalsDuringAWait;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.TestFds;
import dev.rawpoll.TestHandles.Pair;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract on kqueue: natively on macOS and FreeBSD, on Linux against libkqueue when
 * {@code RAWPOLL_LIBKQUEUE} names it (otherwise every test is reported as not run, with the
 * reason). Every wait has a timeout: libkqueue can wait forever where a kqueue would not. Where
 * kqueue, or libkqueue, differs from the contract suite, the test is overridden here with the
 * reason (and listed in the README).
 */
class KqueuePollerTest extends PollerContractTest implements SignalsDuringAWait {
    private static KqueueAbi profile;

    @BeforeAll
    static void requireKqueue() throws IOException {
        profile = KqueueSupport.requireKqueue("KqueuePollerTest");
        assertEquals(KqueueSupport.expectedProfile(), profile, "the profile is chosen from the OS, explicitly");
        // libkqueue starts its monitoring thread and descriptors with the first kqueue of the
        // process and keeps some for good: make them exist before any test counts descriptors.
        KqueuePoller.open(profile).close();
    }

    @Override
    protected Poller openPoller() throws IOException {
        return KqueuePoller.open(profile);
    }

    /** libkqueue frees a closed kqueue's descriptors in another thread: finish that before counting. */
    @Override
    protected void settle() {
        if (profile != null && profile.closeIsAsynchronous) {
            Kqueue.drainPendingClose();
        }
    }

    /**
     * Differs on every kqueue (not only libkqueue): a pipe whose writer closed is reported as
     * EV_EOF on EVFILT_READ, exactly like a socket whose peer shut down its writing side, so it
     * reads as READ_CLOSED, not HANGUP (kqueue raises HANGUP only through EVFILT_WRITE; see
     * Readiness). Reading still returns end of stream at once.
     */
    @Override
    @Test
    protected void closedWriterReportsEndOfStream() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 13);
        p.closeB();
        expectEvent(13, Readiness.READABLE | Readiness.READ_CLOSED);
        assertEquals(0, handles.read(p.a(), 10), "end of stream");
    }

    @Test
    void openPicksKqueueOnMacosAndFreebsd() throws IOException {
        try (Poller p = Poller.open()) {
            // On Linux the default stays epoll: libkqueue is only ever chosen explicitly.
            assertEquals(profile == KqueueAbi.LIBKQUEUE ? "epoll" : "kqueue", p.backend());
        }
        assertEquals("kqueue", poller.backend());
    }

    @Test
    void profileMustBeThePlatforms() {
        KqueueAbi other = profile == KqueueAbi.MACOS ? KqueueAbi.FREEBSD : KqueueAbi.MACOS;
        assertThrows(IllegalArgumentException.class, () -> KqueuePoller.open(other));
    }

    /**
     * libkqueue: the edge events beyond a small batch are checked with read-only registrations.
     * It asks epoll for as many descriptors as there are kevent slots and drops the second kevent
     * of a descriptor that no longer fits; an EV_CLEAR event dropped there is lost for good
     * (measured; a libkqueue bug no caller can work around). With one filter per descriptor
     * nothing is dropped, and the carrying over is still tested.
     */
    @Override
    protected int edgeOverflowDirections() {
        return profile == KqueueAbi.LIBKQUEUE ? READABLE : READABLE | WRITABLE;
    }

    @Test
    void errorsNameTheChangeAndTheErrno() {
        SystemCallException e = assertThrows(SystemCallException.class, () -> poller.register(1_000_000, READABLE | EDGE, 1));
        String expectedCall = "kevent(kq=" + ((KqueuePoller) poller).toString().replaceAll("\\D*(\\d+).*", "$1")
                + ", EV_ADD|EV_CLEAR|EV_RECEIPT EVFILT_READ fd=1000000)";
        assertEquals(expectedCall, e.call());
        assertTrue(e.getMessage().startsWith(expectedCall + ": EBADF ("), e.getMessage());
        SystemCallException twice = assertThrows(SystemCallException.class, () -> {
            Pair p = pipe();
            poller.register(p.a(), READABLE, 2);
            poller.register(p.a(), WRITABLE, 3);
        });
        assertEquals("EEXIST", twice.errnoName());
        assertFalse(twice.getMessage().isEmpty());
    }

    @Test
    void backendHandleIsTheKqueueExceptOnLibkqueue() {
        if (profile == KqueueAbi.LIBKQUEUE) {
            // libkqueue's descriptor is the write end of a pipe: it never polls readable, so nesting cannot work.
            assertTrue(poller.backendHandle().isEmpty());
        } else {
            assertTrue(poller.backendHandle().isPresent());
        }
    }

    /**
     * A descriptor closed without deregister, on kqueue (see "Events of a handle deregistered or
     * closed" in the Poller javadoc). The poller cannot tell
     * that its number changed hands, so registering the reused number gives EEXIST until it is
     * deregistered; that deregister answers ENOENT on BSD (close removed the knotes) and succeeds
     * on libkqueue (which keeps them, and must have them deleted: re-adding an existing knote fails
     * there without an error). Either way the number is forgotten, the new descriptor registers,
     * and only its own events arrive.
     */
    @Test
    void numberClosedWithoutDeregisterMustBeDeregisteredBeforeItIsRegisteredAgain() throws IOException {
        TestFds.Pair p = TestFds.pipe();
        poller.register(p.a(), READABLE, 70);
        TestFds.close(p.a());
        TestFds.close(p.b());
        Pair reused = pipe(); // takes the lowest free number: the one just closed
        assertEquals(p.a(), reused.a(), "the test needs the number to be reused");
        SystemCallException exists = assertThrows(SystemCallException.class, () -> poller.register(reused.a(), READABLE, 71));
        assertEquals("EEXIST", exists.errnoName());
        try {
            poller.deregister(reused.a());
        } catch (SystemCallException e) {
            assertEquals("ENOENT", e.errnoName(), e.getMessage());
        }
        poller.register(reused.a(), READABLE, 72);
        expectNoEvent(72);
        handles.write(reused.b(), 1);
        Map<Long, Integer> seen = expectEvents(Map.of(72L, Readiness.READABLE));
        assertFalse(seen.containsKey(70L) || seen.containsKey(71L), () -> "stale registration leaked: " + describe(seen));
    }

    @Override
    public Poller pollerUnderTest() {
        return poller;
    }

    @Override
    public long interruptedWaits() {
        return ((KqueuePoller) poller).interruptedWaits();
    }

    /** kqueue has no portable urgent-data filter: PRIORITY is refused, not silently ignored. */
    @Test
    void priorityInterestIsRefused() {
        Pair s = socketPair();
        assertThrows(UnsupportedOperationException.class, () -> poller.register(s.a(), READABLE | dev.rawpoll.Interest.PRIORITY, 1));
    }
}
