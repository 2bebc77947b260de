package dev.rawpoll.bsd;

import static dev.rawpoll.Interest.EDGE;
import static dev.rawpoll.Interest.ONESHOT;
import static dev.rawpoll.Interest.READABLE;
import static dev.rawpoll.Interest.WRITABLE;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Events;
import dev.rawpoll.Poller;
import dev.rawpoll.PollerContractTest;
import dev.rawpoll.Readiness;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.TestFds;
import dev.rawpoll.TestHandles.Pair;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract on kqueue: natively on macOS and FreeBSD, on Linux against libkqueue when
 * {@code RAWPOLL_LIBKQUEUE} names it (otherwise every test is reported as not run, with the
 * reason). Every wait has a timeout: libkqueue can wait forever where a kqueue would not. Where
 * kqueue, or libkqueue, differs from the contract suite, the test is overridden here with the
 * reason (and listed in the README).
 */
class KqueuePollerTest extends PollerContractTest {
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
     * python/cpython#110038: a handle ready both ways yields two kevents. With a batch of n events
     * and n such handles, every handle must come back in one poll, as one event with both bits.
     */
    @Test
    void batchHoldsBothFiltersOfEveryHandle() throws IOException {
        int n = 8;
        Events batch = poller.newEvents(n);
        for (long token = 200; token < 200 + n; token++) {
            Pair s = socketPair();
            poller.register(s.a(), READABLE | WRITABLE, token);
            handles.write(s.b(), 1);
        }
        assertEquals(n, poller.poll(batch, 1, SECONDS));
        Set<Long> tokens = new HashSet<>();
        for (int i = 0; i < n; i++) {
            tokens.add(batch.token(i));
            assertEquals(Readiness.READABLE | Readiness.WRITABLE,
                    batch.readiness(i) & (Readiness.READABLE | Readiness.WRITABLE), "event " + i);
        }
        assertEquals(n, tokens.size(), "one event per handle: " + tokens);
    }

    /**
     * Edge-triggered events cannot come back: those merged beyond a small batch's capacity are
     * handed out by the next polls, none dropped.
     *
     * <p>libkqueue: read-only registrations. It asks epoll for as many descriptors as there are
     * kevent slots and drops the second kevent of a descriptor that no longer fits; an EV_CLEAR
     * event dropped there is lost for good (measured; a libkqueue bug no caller can work around).
     * With one filter per descriptor nothing is dropped, and the carrying over is still tested.
     */
    @Test
    void edgeEventsBeyondTheCapacityAreKeptForTheNextPoll() throws IOException {
        Events small = poller.newEvents(2);
        int directions = profile == KqueueAbi.LIBKQUEUE ? READABLE : READABLE | WRITABLE;
        Map<Long, Integer> expected = new HashMap<>();
        for (long token = 300; token < 307; token++) {
            Pair s = socketPair();
            poller.register(s.a(), directions | EDGE, token);
            handles.write(s.b(), 1);
            expected.put(token, directions); // Interest and Readiness share the direction bits
        }
        Map<Long, Integer> seen = new HashMap<>();
        for (int round = 0; round < 10 && !seen.equals(expected); round++) {
            int n = poller.poll(small, 1, SECONDS);
            assertTrue(n <= 2, "a poll filled more than the capacity");
            for (int i = 0; i < n; i++) seen.merge(small.token(i), small.readiness(i) & expected.get(small.token(i)), (a, b) -> a | b);
        }
        assertEquals(expected, seen);
        assertEquals(0, poller.poll(small, 50, MILLISECONDS), "no new edges");
    }

    /** Oneshot covers the handle, not each filter: the second filter's knote must not report it again. */
    @Test
    void oneshotWithBothDirectionsReportsOnce() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE | WRITABLE | ONESHOT, 40);
        expectEvent(40, Readiness.WRITABLE); // writable at once: the WRITE knote fires and goes
        handles.write(s.b(), 1);
        expectNoEvent(40); // the READ knote fires now, but the registration was reported
        poller.modify(s.a(), READABLE | ONESHOT, 41);
        expectEvent(41, Readiness.READABLE);
        expectNoEvent(41);
        poller.deregister(s.a()); // its knotes are gone: nothing to delete, no ENOENT
    }

    @Test
    void modeCanChangeWithModify() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE | EDGE, 50);
        handles.write(p.b(), 1);
        expectEvent(50, Readiness.READABLE);
        expectNoEvent(50);
        poller.modify(p.a(), READABLE, 51); // level now: the unread byte is reported on every poll
        expectEvent(51, Readiness.READABLE);
        expectEvent(51, Readiness.READABLE);
    }

    /** Interest 0 keeps a (disabled) knote: the descriptor is checked and stays registered. */
    @Test
    void zeroInterestKeepsTheRegistration() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), 0, 60);
        handles.write(p.b(), 1);
        expectNoEvent(60);
        assertThrows(SystemCallException.class, () -> poller.register(p.a(), READABLE, 61));
        poller.modify(p.a(), READABLE, 62);
        expectEvent(62, Readiness.READABLE);
        SystemCallException e = assertThrows(SystemCallException.class, () -> poller.register(1_000_000, 0, 63));
        assertEquals("EBADF", e.errnoName());
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
     * PITFALLS 1 and 2 on kqueue: a descriptor closed without deregister. The poller cannot tell
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

    /**
     * A signal interrupts kevent (EINTR); the poll resumes for the time left instead of returning
     * early or failing. HotSpot handles SIGPIPE itself (and ignores it), so sending it to the
     * polling thread interrupts the wait without other effects.
     */
    @Test
    void signalsDoNotEndAWaitEarly() throws Throwable {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        MethodHandle pthreadSelf = linker.downcallHandle(libc.find("pthread_self").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG));
        MethodHandle pthreadKill = linker.downcallHandle(libc.find("pthread_kill").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        int sigpipe = 13; // the same number on Linux, macOS and FreeBSD
        KqueuePoller kqueue = (KqueuePoller) poller;
        AtomicLong thread = new AtomicLong();
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                thread.set((long) pthreadSelf.invokeExact());
                long start = System.nanoTime();
                int n = kqueue.poll(events, 400, MILLISECONDS);
                result.set(new long[] {n, System.nanoTime() - start});
            } catch (Throwable e) {
                result.set(e);
            }
        });
        while (thread.get() == 0) Thread.onSpinWait();
        for (int i = 0; i < 5 && t.isAlive(); i++) {
            Thread.sleep(40);
            if (t.isAlive()) {
                assertEquals(0, (int) pthreadKill.invokeExact(thread.get(), sigpipe));
            }
        }
        t.join();
        assertTrue(result.get() instanceof long[], () -> "poll failed: " + result.get());
        long[] r = (long[]) result.get();
        assertEquals(0, r[0]);
        assertTrue(r[1] >= MILLISECONDS.toNanos(400), "returned early: " + r[1] + " ns");
        assertTrue(kqueue.interruptedWaits() > 0, "no signal interrupted the wait: the test proved nothing");
    }

    /** kqueue has no portable urgent-data filter: PRIORITY is refused, not silently ignored. */
    @Test
    void priorityInterestIsRefused() {
        Pair s = socketPair();
        assertThrows(UnsupportedOperationException.class, () -> poller.register(s.a(), READABLE | dev.rawpoll.Interest.PRIORITY, 1));
    }
}
