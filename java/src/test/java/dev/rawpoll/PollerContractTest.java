package dev.rawpoll;

import static dev.rawpoll.Interest.EDGE;
import static dev.rawpoll.Interest.ONESHOT;
import static dev.rawpoll.Interest.READABLE;
import static dev.rawpoll.Interest.WRITABLE;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.MICROSECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rawpoll.TestHandles.Pair;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The {@link Poller} contract, run against every backend over real handles: pipes and socket
 * pairs on Unix ({@link UnixHandles}), loopback TCP connections on Windows and in a second Linux
 * run ({@link LoopbackTcp}). A backend's test class extends this and supplies {@link
 * #openPoller()}, and {@link #testHandles()} if not pipes; where an OS (or an emulation) differs,
 * the subclass overrides the one test, or the error name, and says why.
 */
public abstract class PollerContractTest extends PollerTestBase {

    /** The error name of registering a handle twice. */
    protected String alreadyRegisteredError() {
        return "EEXIST";
    }

    /** The error name of modifying or deregistering a handle that is not registered. */
    protected String notRegisteredError() {
        return "ENOENT";
    }

    /** The error name of registering a number that is no open handle. */
    protected String badHandleError() {
        return "EBADF";
    }

    // ---- readable / writable ----

    @Test
    void pipeBecomesReadableWhenWrittenTo() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 1);
        expectNoEvent(1);
        handles.write(p.b(), 1);
        expectEvent(1, Readiness.READABLE);
    }

    @Test
    void pipeWriteEndIsWritableUntilFull() throws IOException {
        Pair p = pipe();
        poller.register(p.b(), WRITABLE, 2);
        expectEvent(2, Readiness.WRITABLE);
        handles.fill(p.b());
        expectNoEvent(2);
        handles.drain(p.a());
        expectEvent(2, Readiness.WRITABLE);
    }

    @Test
    void socketReportsBothDirectionsInOneEvent() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE | WRITABLE, 3);
        handles.write(s.b(), 10);
        expectEvent(3, Readiness.READABLE | Readiness.WRITABLE);
        // one event per handle and poll, whatever the backend does underneath
        int n = poller.poll(events, 0, MILLISECONDS);
        assertEquals(1, n, "a handle ready both ways is one event");
        assertEquals(3, events.token(0));
        assertEquals(Readiness.READABLE | Readiness.WRITABLE, events.readiness(0) & (Readiness.READABLE | Readiness.WRITABLE));
    }

    // ---- level, edge, oneshot ----

    @Test
    void levelTriggeredReportsUntilDrained() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 4);
        handles.write(p.b(), 100);
        expectEvent(4, Readiness.READABLE);
        assertEquals(50, handles.read(p.a(), 50));
        expectEvent(4, Readiness.READABLE); // 50 bytes left: reported again
        handles.drain(p.a());
        expectNoEvent(4);
    }

    /**
     * A poll reports readiness as it is when the poll is made, not as it was when it arose: data
     * that arrived after one poll and was drained before the next is not reported by the next, in
     * level-triggered and in oneshot mode (epoll polls each ready file again in epoll_wait; io_uring
     * must not hand over a completion from before the drain). The oneshot stays armed.
     */
    @Test
    void readinessDrainedBeforeThePollIsNotReported() throws IOException {
        Pair level = pipe();
        Pair oneshot = socketPair();
        poller.register(level.a(), READABLE, 1);
        poller.register(oneshot.a(), READABLE | ONESHOT, 2);
        expectNoEvent(1); // both requests are now in the kernel
        handles.write(level.b(), 1);
        handles.write(oneshot.b(), 1);
        assertEquals(1, handles.drain(level.a()));
        assertEquals(1, handles.drain(oneshot.a()));
        Map<Long, Integer> got = pollOnce(0);
        assertTrue(got.isEmpty(), "drained before the poll, yet reported: " + describe(got));
        handles.write(level.b(), 1);
        handles.write(oneshot.b(), 1);
        got = pollOnce(1000);
        assertEquals(Readiness.READABLE, got.getOrDefault(1L, 0), describe(got));
        assertEquals(Readiness.READABLE, got.getOrDefault(2L, 0), "the oneshot was not reported, so it must still be armed: " + describe(got));
    }

    @Test
    protected void edgeTriggeredReportsOnlyNewData() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE | EDGE, 5);
        handles.write(p.b(), 100);
        expectEvent(5, Readiness.READABLE);
        expectNoEvent(5); // data still there, but no new edge
        handles.write(p.b(), 1);
        expectEvent(5, Readiness.READABLE);
    }

    @Test
    void oneshotReportsOnceUntilModified() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE | ONESHOT, 6);
        handles.write(p.b(), 1);
        expectEvent(6, Readiness.READABLE);
        handles.write(p.b(), 1);
        expectNoEvent(6); // disarmed, still registered
        poller.modify(p.a(), READABLE | ONESHOT, 7);
        expectEvent(7, Readiness.READABLE);
        expectNoEvent(7);
        poller.deregister(p.a());
    }

    // ---- modify, deregister, tokens ----

    @Test
    void modifyReplacesInterestAndToken() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE, 8);
        expectNoEvent(8);
        poller.modify(s.a(), WRITABLE, 9);
        Map<Long, Integer> seen = expectEvents(Map.of(9L, Readiness.WRITABLE));
        assertFalse(seen.containsKey(8L), "old token after modify");
        handles.write(s.b(), 1);
        Map<Long, Integer> again = pollOnce(100);
        assertEquals(0, again.getOrDefault(9L, 0) & Readiness.READABLE, "readable is not in the interest any more");
    }

    @Test
    void deregisterStopsEvents() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 10);
        handles.write(p.b(), 1);
        expectEvent(10, Readiness.READABLE);
        poller.deregister(p.a());
        expectNoEvent(10);
        poller.register(p.a(), READABLE, 11); // and can be registered again
        expectEvent(11, Readiness.READABLE);
    }

    @Test
    void anyTokenComesBack() throws IOException {
        long[] tokens = {0, -1, Long.MAX_VALUE, Long.MIN_VALUE + 1};
        Map<Long, Integer> expected = new HashMap<>();
        for (long token : tokens) {
            Pair p = pipe();
            poller.register(p.a(), READABLE, token);
            handles.write(p.b(), 1);
            expected.put(token, Readiness.READABLE);
        }
        Map<Long, Integer> seen = expectEvents(expected);
        assertEquals(expected.keySet(), seen.keySet());
    }

    // ---- half-close and hang-up ----

    @Test
    void peerShutdownReportsReadClosedAndReadable() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE, 12);
        handles.shutdownOutput(s.b());
        expectEvent(12, Readiness.READABLE | Readiness.READ_CLOSED);
        assertEquals(0, handles.read(s.a(), 10), "end of stream");
    }

    @Test
    protected void closedWriterReportsEndOfStream() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 13);
        p.closeB();
        expectEvent(13, Readiness.READABLE | handles.closedWriterReadiness());
        assertEquals(0, handles.read(p.a(), 10), "end of stream");
    }

    // ---- timeouts and wakeup ----

    @Test
    void zeroTimeoutReturnsAtOnce() throws IOException {
        long start = System.nanoTime();
        assertEquals(0, poller.poll(events, 0, MILLISECONDS));
        assertTrue(System.nanoTime() - start < SECONDS.toNanos(1), "poll(0) must not wait");
    }

    @Test
    void positiveTimeoutWaitsAtLeastThatLong() throws IOException {
        long start = System.nanoTime();
        assertEquals(0, poller.poll(events, 30, MILLISECONDS));
        assertTrue(System.nanoTime() - start >= MILLISECONDS.toNanos(30), "returned before the timeout");
    }

    @Test
    void subMillisecondTimeoutIsRoundedUpNotDown() throws IOException {
        for (int i = 0; i < 5; i++) {
            long start = System.nanoTime();
            assertEquals(0, poller.poll(events, 300, MICROSECONDS));
            long waited = System.nanoTime() - start;
            assertTrue(waited >= MICROSECONDS.toNanos(300), "waited only " + waited + " ns");
        }
    }

    @Test
    void hugeTimeoutsWaitLikeForever() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 14);
        handles.write(p.b(), 1);
        // Long.MAX_VALUE days saturates to Long.MAX_VALUE ns: no overflow, no EINVAL, just a long wait
        assertEquals(1, poller.poll(events, Long.MAX_VALUE, java.util.concurrent.TimeUnit.DAYS));
        handles.drain(p.a());
        poller.wakeup();
        assertEquals(0, poller.poll(events, Long.MAX_VALUE, java.util.concurrent.TimeUnit.NANOSECONDS));
    }

    @Test
    void wakeupEndsAPollThatWaitsForever() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch polling = new CountDownLatch(1);
        AtomicInteger result = new AtomicInteger(-1);
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                polling.countDown();
                result.set(poller.poll(events, -1, MILLISECONDS));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        polling.await();
        Thread.sleep(50);
        assertTrue(t.isAlive(), "poll(-1) returned without a wakeup");
        poller.wakeup();
        t.join(5000);
        assertFalse(t.isAlive(), "wakeup did not end the poll");
        assertEquals(null, failure.get());
        assertEquals(0, result.get(), "a wakeup is not an event");
    }

    @Test
    void wakeupBeforePollMakesTheNextPollReturn() throws IOException {
        poller.wakeup();
        long start = System.nanoTime();
        assertEquals(0, poller.poll(events, 10, SECONDS));
        assertTrue(System.nanoTime() - start < SECONDS.toNanos(5), "pending wakeup was lost");
    }

    @Test
    void wakeupsCoalesce() throws IOException {
        for (int i = 0; i < 1000; i++) poller.wakeup();
        long start = System.nanoTime();
        assertEquals(0, poller.poll(events, 10, SECONDS));
        assertTrue(System.nanoTime() - start < SECONDS.toNanos(5), "pending wakeup was lost");
        start = System.nanoTime();
        assertEquals(0, poller.poll(events, 50, MILLISECONDS));
        assertTrue(System.nanoTime() - start >= MILLISECONDS.toNanos(50), "1000 wakeups ended more than one poll");
    }

    @Test
    void noWakeupIsLostWhenRacingWithPolls() throws Exception {
        int rounds = 2000;
        AtomicInteger requested = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        Thread waker = Thread.ofPlatform().start(() -> {
            int served = 0;
            while (!done.get()) {
                if (requested.get() > served) {
                    served++;
                    poller.wakeup();
                } else {
                    Thread.onSpinWait();
                }
            }
        });
        try {
            for (int i = 1; i <= rounds; i++) {
                requested.set(i); // the wakeup may come before, during or after the poll starts
                long start = System.nanoTime();
                poller.poll(events, 10, SECONDS);
                assertTrue(System.nanoTime() - start < SECONDS.toNanos(5), "wakeup " + i + " was lost");
            }
        } finally {
            done.set(true);
            waker.join();
        }
    }

    @Test
    void wakeupAfterCloseIsHarmless() {
        poller.close();
        poller.wakeup();
        assertFalse(poller.isOpen());
    }

    // ---- batches ----

    @Test
    void eventsSmallerThanTheReadyCountGetTheRestNextPoll() throws IOException {
        Events small = poller.newEvents(4);
        Set<Long> expected = new HashSet<>();
        for (long token = 100; token < 110; token++) {
            Pair p = pipe();
            poller.register(p.a(), READABLE, token);
            handles.write(p.b(), 1);
            expected.add(token);
        }
        Set<Long> seen = new HashSet<>();
        for (int round = 0; round < 6 && !seen.equals(expected); round++) {
            int n = poller.poll(small, 1, SECONDS);
            assertTrue(n <= 4, "a poll filled more than the capacity");
            for (int i = 0; i < n; i++) seen.add(small.token(i));
        }
        assertEquals(expected, seen, "level-triggered events beyond the capacity must come with later polls");
    }

    /**
     * kqueue returns one kevent per filter, so a handle ready both ways fills two slots. With a
     * batch of n events and n such handles, every handle must come back in one poll, as one event
     * with both bits.
     */
    @Test
    void batchHoldsBothDirectionsOfEveryHandle() throws IOException {
        int n = 8;
        Events batch = poller.newEvents(n);
        Map<Long, Integer> all = new HashMap<>();
        for (long token = 200; token < 200 + n; token++) {
            Pair s = socketPair();
            poller.register(s.a(), READABLE | WRITABLE, token);
            handles.write(s.b(), 1);
            all.put(token, Readiness.READABLE | Readiness.WRITABLE);
        }
        expectEvents(all); // delivered (loopback TCP may take a moment); level-triggered, so again below
        assertEquals(n, poller.poll(batch, 1, SECONDS));
        Set<Long> tokens = new HashSet<>();
        for (int i = 0; i < n; i++) {
            tokens.add(batch.token(i));
            assertEquals(Readiness.READABLE | Readiness.WRITABLE,
                    batch.readiness(i) & (Readiness.READABLE | Readiness.WRITABLE), "event " + i);
        }
        assertEquals(n, tokens.size(), "one event per handle: " + tokens);
    }

    /** The directions registered by {@link #edgeEventsBeyondTheCapacityAreKeptForTheNextPoll}. */
    protected int edgeOverflowDirections() {
        return READABLE | WRITABLE;
    }

    /** Whether EDGE is served level-triggered (IOCP: an AFD poll reports states; see Interest). */
    protected boolean edgeIsServedLevelTriggered() {
        return false;
    }

    /**
     * Edge-triggered events cannot come back: those beyond a small batch's capacity are handed out
     * by the next polls, none dropped.
     */
    @Test
    void edgeEventsBeyondTheCapacityAreKeptForTheNextPoll() throws IOException {
        Events small = poller.newEvents(2);
        int directions = edgeOverflowDirections();
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
        if (!edgeIsServedLevelTriggered()) {
            assertEquals(0, poller.poll(small, 50, MILLISECONDS), "no new edges");
        }
    }

    /** Oneshot covers the handle, not each direction: the other direction must not report it again. */
    @Test
    void oneshotWithBothDirectionsReportsOnce() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE | WRITABLE | ONESHOT, 40);
        expectEvent(40, Readiness.WRITABLE); // writable at once: reported, and disarmed
        handles.write(s.b(), 1);
        expectNoEvent(40); // readable now, but the registration was reported
        poller.modify(s.a(), READABLE | ONESHOT, 41);
        expectEvent(41, Readiness.READABLE);
        expectNoEvent(41);
        poller.deregister(s.a()); // a disarmed registration is still registered
    }

    @Test
    void modeCanChangeWithModify() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE | EDGE, 50);
        handles.write(p.b(), 1);
        expectEvent(50, Readiness.READABLE);
        if (!edgeIsServedLevelTriggered()) {
            expectNoEvent(50);
        }
        poller.modify(p.a(), READABLE, 51); // level now: the unread byte is reported on every poll
        expectEvent(51, Readiness.READABLE);
        expectEvent(51, Readiness.READABLE);
    }

    // ---- stale events ----

    @Test
    void eventOfAHandleDeregisteredEarlierInTheBatchIsStale() throws IOException {
        Pair first = socketPair();
        Pair second = socketPair();
        poller.register(first.a(), READABLE, 20);
        poller.register(second.a(), READABLE, 21);
        handles.write(first.b(), 1);
        handles.write(second.b(), 1);
        expectEvents(Map.of(20L, Readiness.READABLE, 21L, Readiness.READABLE));
        assertEquals(2, poller.poll(events, 1, SECONDS));
        // Handling event 0 deregisters and closes the other handle, and a new descriptor, likely
        // with the same number, is registered with another token.
        int otherIndex = 1;
        Pair otherPair = events.token(0) == 20 ? second : first;
        poller.deregister(otherPair.a());
        otherPair.closeA();
        Pair reused = pipe();
        poller.register(reused.a(), READABLE, 99);
        handles.write(reused.b(), 1);
        assertEquals(0, events.readiness(otherIndex), "event of a deregistered handle must read as stale");
        assertEquals(Events.NO_TOKEN, events.token(otherIndex));
        List<Long> delivered = new ArrayList<>();
        events.forEach((token, readiness) -> delivered.add(token));
        assertEquals(1, delivered.size(), "forEach skips the stale event: " + delivered);
        assertFalse(delivered.contains(99L));
    }

    @Test
    void forEachHandlerMayChangeTheRegistrationsOfLaterEvents() throws IOException {
        // What an event loop does when it runs callbacks straight from the walk over the events.
        Pair[] pairs = {socketPair(), socketPair(), socketPair()};
        for (int i = 0; i < 3; i++) {
            poller.register(pairs[i].a(), READABLE, 60 + i);
            handles.write(pairs[i].b(), 1);
        }
        expectEvents(Map.of(60L, Readiness.READABLE, 61L, Readiness.READABLE, 62L, Readiness.READABLE));
        assertEquals(3, poller.poll(events, 1, SECONDS));
        List<String> delivered = new ArrayList<>();
        List<Pair> reused = new ArrayList<>();
        events.forEach((token, readiness) -> {
            delivered.add(token + " " + Readiness.toString(readiness));
            if (delivered.size() > 1) {
                return;
            }
            try {
                // The two later events: close one (its number given to a new ready handle), widen the other.
                int gone = token == 60 ? 1 : 0;
                int kept = 3 - (int) (token - 60) - gone;
                poller.deregister(pairs[gone].a());
                pairs[gone].closeA();
                Pair next = pipe();
                reused.add(next);
                poller.register(next.a(), READABLE, 99);
                handles.write(next.b(), 1);
                poller.modify(pairs[kept].a(), READABLE | WRITABLE, 70);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals(2, delivered.size(), delivered::toString);
        assertEquals("70 READABLE", delivered.get(1), "the later event carries the new token, with the readiness of the poll");
    }

    @Test
    void modifyEarlierInTheBatchMasksTheEvent() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE | WRITABLE, 22);
        handles.write(s.b(), 1);
        expectEvent(22, Readiness.READABLE | Readiness.WRITABLE);
        assertEquals(1, poller.poll(events, 1, SECONDS));
        poller.modify(s.a(), READABLE, 23);
        assertEquals(Readiness.READABLE, events.readiness(0), "writable is no longer in the interest");
        assertEquals(23, events.token(0), "the current token");
    }

    // ---- a closed descriptor ----

    @Test
    void descriptorClosedWithoutDeregisterIsDropped() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 30);
        handles.write(p.b(), 1);
        expectEvent(30, Readiness.READABLE);
        p.closeA(); // no other copy: the kernel forgets the registration
        expectNoEvent(30);
    }

    // ---- bad input ----

    @Test
    void closedPollerThrowsIllegalState() {
        Events mine = poller.newEvents(1);
        poller.close();
        poller.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> poller.register(0, READABLE, 1));
        assertThrows(IllegalStateException.class, () -> poller.modify(0, READABLE, 1));
        assertThrows(IllegalStateException.class, () -> poller.deregister(0));
        assertThrows(IllegalStateException.class, () -> poller.poll(mine, 0, MILLISECONDS));
        assertThrows(IllegalStateException.class, () -> poller.newEvents(1));
    }

    @Test
    void registeringTwiceGivesEEXIST() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 1);
        SystemCallException e = assertThrows(SystemCallException.class, () -> poller.register(p.a(), READABLE, 2));
        assertEquals(alreadyRegisteredError(), e.errnoName(), e.getMessage());
        assertEquals(SystemCallException.Kind.ALREADY_REGISTERED, e.kind(), e.getMessage());
    }

    @Test
    void unknownHandleGivesENOENT() {
        Pair p = pipe();
        SystemCallException m = assertThrows(SystemCallException.class, () -> poller.modify(p.a(), READABLE, 1));
        assertEquals(notRegisteredError(), m.errnoName(), m.getMessage());
        assertEquals(SystemCallException.Kind.NOT_REGISTERED, m.kind(), m.getMessage());
        SystemCallException d = assertThrows(SystemCallException.class, () -> poller.deregister(p.a()));
        assertEquals(notRegisteredError(), d.errnoName(), d.getMessage());
        assertEquals(SystemCallException.Kind.NOT_REGISTERED, d.kind(), d.getMessage());
    }

    @Test
    void badDescriptorGivesEBADF() {
        SystemCallException e = assertThrows(SystemCallException.class, () -> poller.register(1_000_000, READABLE, 1));
        assertEquals(badHandleError(), e.errnoName(), e.getMessage());
        assertEquals(SystemCallException.Kind.BAD_HANDLE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(badHandleError() + " ("), e.getMessage());
    }

    @Test
    void badArgumentsAreRejected() {
        Pair p = pipe();
        assertThrows(IllegalArgumentException.class, () -> poller.newEvents(0));
        assertThrows(IllegalArgumentException.class, () -> poller.newEvents(-1));
        assertThrows(IllegalArgumentException.class, () -> poller.register(p.a(), 1 << 20, 1));
        assertThrows(IllegalArgumentException.class, () -> poller.register(p.a(), READABLE | EDGE | ONESHOT, 1));
        assertThrows(IllegalArgumentException.class, () -> poller.register(p.a(), READABLE, Events.NO_TOKEN));
        try (Poller other = openPoller()) {
            Events foreign = other.newEvents(1);
            assertThrows(IllegalArgumentException.class, () -> poller.poll(foreign, 0, MILLISECONDS));
        } catch (IOException e) {
            fail(e);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> events.token(0), "no events yet");
    }

    @Test
    void eventsOfAClosedPollerThrowIllegalState() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 1);
        handles.write(p.b(), 1);
        expectEvent(1, Readiness.READABLE);
        assertEquals(1, poller.poll(events, 1, SECONDS));
        poller.close();
        assertThrows(IllegalStateException.class, () -> events.readiness(0));
    }

    // ---- leaks ----

    @Test
    void tenThousandPollersLeaveNoDescriptorBehind() throws IOException {
        long before = LeakCheck.openHandles();
        for (int i = 0; i < 10_000; i++) {
            try (Poller p = openPoller()) {
                p.newEvents(16);
                p.wakeup();
            }
        }
        settle();
        assertEquals(before, LeakCheck.openHandles(), LeakCheck::describeOpenHandles);
    }

    // ---- threads: registration during a poll, interrupts, close from another thread ----

    /**
     * Registrations made by another thread while a poll is blocked are never lost nor reported as
     * stale: each handle is ready before it is registered edge-triggered, so its one edge must
     * reach the polling thread with its token.
     */
    @Test
    void registrationsFromAnotherThreadDuringABlockedPollLoseNothing() throws Exception {
        int n = 500;
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Pair p = pipe();
            handles.write(p.b(), 1);
            pairs.add(p);
        }
        Events big = poller.newEvents(4); // small: the poll returns often, while registrations go on
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread registrar = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(20); // let the poll block first
                for (int i = 0; i < n; i++) {
                    poller.register(pairs.get(i).a(), READABLE | EDGE, 1000 + i);
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        Set<Long> seen = collectTokens(big, n, 1000, 1000 + n);
        registrar.join();
        assertEquals(null, failure.get());
        assertEquals(n, seen.size(), "registrations lost while a poll ran");
    }

    /** Four threads registering at once while a poll runs: every token reported exactly once. */
    @Test
    void fourThreadsRegisteringAtOnceCorruptNothing() throws Exception {
        int threads = 4;
        int each = 300;
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < threads * each; i++) {
            Pair p = pipe();
            handles.write(p.b(), 1);
            pairs.add(p);
        }
        Events big = poller.newEvents(256);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> registrars = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t * each;
            registrars.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int i = first; i < first + each; i++) {
                        poller.register(pairs.get(i).a(), READABLE | ONESHOT, 5000 + i);
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }));
        }
        start.countDown();
        Set<Long> seen = collectTokens(big, threads * each, 5000, 5000 + threads * each);
        for (Thread t : registrars) t.join();
        assertEquals(null, failure.get());
        assertEquals(threads * each, seen.size(), "tokens never reported");
    }

    /**
     * The virtual-thread adapter's pattern: a oneshot registration re-armed with modify by another
     * thread each time the polling thread reports it. No re-arm is lost, no report comes twice.
     */
    @Test
    void oneshotReArmedFromAnotherThreadIsNeverLost() throws Exception {
        Pair p = pipe();
        handles.write(p.b(), 1); // stays readable: every re-arm must be reported
        poller.register(p.a(), READABLE | ONESHOT, 1);
        int rounds = 1000;
        java.util.concurrent.SynchronousQueue<Long> reported = new java.util.concurrent.SynchronousQueue<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread rearmer = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 1; i < rounds; i++) {
                    long token = reported.take();
                    poller.modify(p.a(), READABLE | ONESHOT, token + 1);
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        for (long expected = 1; expected <= rounds; expected++) {
            long[] seen = {0};
            int[] count = {0};
            long deadline = System.nanoTime() + SECONDS.toNanos(10);
            while (count[0] == 0 && System.nanoTime() < deadline) {
                poller.poll(events, 1, SECONDS);
                events.forEach((token, readiness) -> {
                    seen[0] = token;
                    count[0]++;
                });
            }
            assertEquals(1, count[0], "round " + expected + ": one report per re-arm");
            assertEquals(expected, seen[0], "the token of the latest modify");
            if (expected < rounds) reported.put(expected);
        }
        rearmer.join();
        assertEquals(null, failure.get());
    }

    /** Polls until {@code expected} distinct tokens in [{@code from}, {@code to}) were seen, each once. */
    private Set<Long> collectTokens(Events big, int expected, long from, long to) throws IOException {
        Set<Long> seen = new HashSet<>();
        List<String> wrong = new ArrayList<>();
        long deadline = System.nanoTime() + SECONDS.toNanos(20);
        while (seen.size() < expected && System.nanoTime() < deadline) {
            poller.poll(big, 1, SECONDS);
            big.forEach((token, readiness) -> {
                if (token < from || token >= to || !seen.add(token)) {
                    wrong.add(token + "=" + Readiness.toString(readiness));
                }
            });
        }
        assertTrue(wrong.isEmpty(), () -> "tokens reported twice or never registered: " + wrong);
        return seen;
    }

    /** JDK Selector behaviour: Thread.interrupt() ends a blocked poll and the status stays set. */
    @Test
    void interruptEndsABlockedPollAndKeepsTheStatus() throws Exception {
        for (Thread.Builder builder : List.of(Thread.ofPlatform(), Thread.ofVirtual())) {
            AtomicReference<Object> result = new AtomicReference<>();
            CountDownLatch polling = new CountDownLatch(1);
            Thread t = builder.start(() -> {
                try {
                    polling.countDown();
                    int n = poller.poll(events, 30, SECONDS);
                    result.set(n + (Thread.currentThread().isInterrupted() ? " interrupted" : " not interrupted"));
                } catch (Throwable e) {
                    result.set(e);
                }
            });
            polling.await();
            Thread.sleep(50);
            assertTrue(t.isAlive(), "returned before the interrupt");
            t.interrupt();
            t.join(10_000);
            assertFalse(t.isAlive(), "interrupt did not end the poll of a " + (t.isVirtual() ? "virtual" : "platform") + " thread");
            assertEquals("0 interrupted", result.get());
        }
        // The poller is not harmed: a wakeup is still a wakeup, a timeout still a timeout.
        long start = System.nanoTime();
        assertEquals(0, poller.poll(events, 50, MILLISECONDS));
        assertTrue(System.nanoTime() - start >= MILLISECONDS.toNanos(50), "an old interrupt ended a later poll");
    }

    @Test
    void pollInAnInterruptedThreadReturnsAtOnce() throws Exception {
        for (Thread.Builder builder : List.of(Thread.ofPlatform(), Thread.ofVirtual())) {
            AtomicReference<Object> result = new AtomicReference<>();
            Thread t = builder.start(() -> {
                Thread.currentThread().interrupt();
                try {
                    long start = System.nanoTime();
                    poller.poll(events, 30, SECONDS);
                    poller.poll(events, -1, SECONDS);
                    result.set((System.nanoTime() - start < SECONDS.toNanos(10)) + " " + Thread.currentThread().isInterrupted());
                } catch (Throwable e) {
                    result.set(e);
                }
            });
            t.join(20_000);
            assertEquals("true true", String.valueOf(result.get()), "poll in an interrupted thread must return at once and keep the status");
        }
    }

    /**
     * close() from another thread while a poll is blocked: the poll returns, the poller is closed,
     * and once the poll has left, its descriptors and native memory are gone.
     */
    @Test
    void closeFromAnotherThreadEndsTheBlockedPollAndFreesEverything() throws Exception {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 1);
        Events mine = poller.newEvents(4);
        AtomicReference<Object> result = new AtomicReference<>();
        CountDownLatch polling = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                polling.countDown();
                result.set(poller.poll(mine, -1, SECONDS));
            } catch (Throwable e) {
                result.set(e);
            }
        });
        polling.await();
        Thread.sleep(50);
        poller.close();
        t.join(10_000);
        assertFalse(t.isAlive(), "close did not end the blocked poll");
        assertEquals(0, result.get(), "the poll returns with no events");
        assertFalse(poller.isOpen());
        assertThrows(IllegalStateException.class, mine::count);
        assertThrows(IllegalStateException.class, () -> poller.poll(mine, 0, MILLISECONDS));
        poller.close(); // idempotent, also now
        assertFalse(((dev.rawpoll.internal.EventArray) mine).kernelArray.scope().isAlive(),
                "the native memory (the poller's arena) is freed once the poll has left");
        p.close();
        resources.remove(p);
        settle();
        assertEquals(handlesBeforePoller, LeakCheck.openHandles(), () -> "the poller's handles outlived the poll: " + LeakCheck.describeOpenHandles());
    }

    /** Two threads may not poll one poller at once: the second is refused, the first unharmed. */
    @Test
    void aSecondPollingThreadIsRefused() throws Exception {
        CountDownLatch polling = new CountDownLatch(1);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                polling.countDown();
                result.set(poller.poll(events, 30, SECONDS));
            } catch (Throwable e) {
                result.set(e);
            }
        });
        polling.await();
        Thread.sleep(50);
        Events other = poller.newEvents(1);
        assertThrows(IllegalStateException.class, () -> poller.poll(other, 0, MILLISECONDS));
        poller.wakeup();
        t.join(10_000);
        assertEquals(0, result.get());
    }

    // ---- contract statements checked one by one ----

    /** An out-of-range handle is an IllegalArgumentException on every backend, before any system call. */
    @Test
    void negativeHandleIsIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> poller.register(-1, READABLE, 1));
        assertThrows(IllegalArgumentException.class, () -> poller.modify(-1, READABLE, 1));
        assertThrows(IllegalArgumentException.class, () -> poller.deregister(-1));
        assertThrows(IllegalArgumentException.class, () -> poller.register(Long.MIN_VALUE, READABLE, 1));
    }

    @Test
    void everyReadOfTheEventsOfAClosedPollerThrowsIllegalState() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 1);
        handles.write(p.b(), 1);
        expectEvent(1, Readiness.READABLE);
        assertEquals(1, poller.poll(events, 1, SECONDS));
        poller.close();
        assertThrows(IllegalStateException.class, () -> events.count());
        assertThrows(IllegalStateException.class, () -> events.token(0));
        assertThrows(IllegalStateException.class, () -> events.readiness(0));
        assertThrows(IllegalStateException.class, () -> events.forEach((token, readiness) -> fail("ran")));
        assertEquals(64, events.capacity(), "capacity is a constant of the array");
    }

    /**
     * Every bit of an event read again after modify follows the rule of a fresh poll: READ_CLOSED
     * only with a READABLE interest, and interest 0 leaves only ERROR and HANGUP.
     */
    @Test
    void pendingEventAfterModifyFollowsTheSameRulesAsAFreshPoll() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE | WRITABLE, 7);
        handles.shutdownOutput(s.b());
        expectEvent(7, Readiness.READABLE | Readiness.WRITABLE | Readiness.READ_CLOSED);
        assertEquals(1, poller.poll(events, 1, SECONDS));
        poller.modify(s.a(), WRITABLE, 8);
        assertEquals(Readiness.WRITABLE, events.readiness(0), Readiness.toString(events.readiness(0)));
        poller.modify(s.a(), 0, 9);
        assertEquals(0, events.readiness(0) & ~(Readiness.ERROR | Readiness.HANGUP),
                Readiness.toString(events.readiness(0)));
        // and a fresh poll agrees
        poller.modify(s.a(), WRITABLE, 8);
        Map<Long, Integer> fresh = pollOnce(100);
        assertEquals(Readiness.WRITABLE, fresh.getOrDefault(8L, 0), describe(fresh));
    }

    /**
     * An edge-triggered event read again after a modify to level-triggered, oneshot or paused in
     * the same batch follows the rules of a fresh poll of the new interest: a byte that arrived
     * and was drained before the poll is not reported. epoll polls the handle again in epoll_wait
     * and reports nothing; io_uring's multishot poll reports the wake-up, which read under the new
     * interest said READABLE with nothing to read (issue 14, shrunk from UringPollerModelTest seeds
     * 17481190688717 and 17705021388144). Nothing is lost: the new interest reports the next byte.
     */
    @Test
    void edgeWakeUpReadAfterAModifyToLevelReportsOnlyWhatIsReady() throws IOException {
        for (int interest : new int[] {READABLE, READABLE | ONESHOT, 0}) {
            Pair p = pipe();
            poller.register(p.a(), READABLE | EDGE, 60);
            expectNoEvent(60); // the request is in the kernel
            handles.write(p.b(), 1);
            assertEquals(1, handles.drain(p.a()));
            int n = poller.poll(events, 0, MILLISECONDS); // epoll: nothing; io_uring: the wake-up
            poller.modify(p.a(), interest, 61);
            for (int i = 0; i < n; i++) {
                assertEquals(0, events.readiness(i), Interest.toString(interest) + ": drained before the poll, yet "
                        + Readiness.toString(events.readiness(i)));
            }
            if (interest != 0) {
                handles.write(p.b(), 1);
                expectEvent(61, Readiness.READABLE);
            }
            poller.deregister(p.a());
        }
    }

    /**
     * The same on a socket, as the model test first saw it: an edge registration for reading,
     * modified in the batch to oneshot for both directions, reports WRITABLE or nothing, never
     * READABLE with the byte drained; the oneshot is armed and reports once.
     */
    @Test
    void edgeWakeUpReadAfterAModifyToOneshotCarriesNoDirectionThatIsNotReady() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE | EDGE, 62);
        expectNoEvent(62);
        handles.write(s.b(), 1);
        assertEquals(1, handles.drain(s.a()));
        int n = poller.poll(events, 0, MILLISECONDS);
        poller.modify(s.a(), READABLE | WRITABLE | ONESHOT, 63);
        for (int i = 0; i < n; i++) {
            assertEquals(0, events.readiness(i) & ~Readiness.WRITABLE, Readiness.toString(events.readiness(i)));
        }
        expectEvent(63, Readiness.WRITABLE);
        expectNoEvent(63);
    }

    /**
     * A level-triggered event is the readiness at the poll, on every backend: read again after a
     * modify it keeps the poll's bits, masked by the new interest, even if the handler drained the
     * handle in between (the backends do not poll again: the next poll tells).
     */
    @Test
    void levelEventReadAfterAModifyKeepsTheReadinessOfThePoll() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 64);
        handles.write(p.b(), 1);
        expectEvent(64, Readiness.READABLE);
        assertEquals(1, poller.poll(events, 1, SECONDS));
        assertEquals(1, handles.drain(p.a()));
        poller.modify(p.a(), READABLE | ONESHOT, 65);
        assertEquals(Readiness.READABLE, events.readiness(0));
        assertEquals(65, events.token(0));
        expectNoEvent(65); // and the next poll sees it drained
    }

    /**
     * An edge event of a handle deregistered and registered again earlier in the batch is stale,
     * also after the new registration is modified to level-triggered.
     */
    @Test
    void edgeEventOfAHandleRegisteredAgainInTheBatchStaysStaleAfterAModify() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE | EDGE, 66);
        handles.write(p.b(), 1);
        expectEvent(66, Readiness.READABLE);
        handles.write(p.b(), 1);
        assertEquals(1, poller.poll(events, 1, SECONDS));
        poller.deregister(p.a());
        poller.register(p.a(), READABLE | EDGE, 67);
        poller.modify(p.a(), READABLE, 68);
        assertEquals(0, events.readiness(0), Readiness.toString(events.readiness(0)));
        assertEquals(Events.NO_TOKEN, events.token(0));
        expectEvent(68, Readiness.READABLE); // the unread bytes, under the new registration
    }

    /** "The poller owns no handle: it never closes one" — closing it leaves registered handles open. */
    @Test
    void closingThePollerLeavesRegisteredHandlesOpen() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE, 1);
        poller.close();
        assertEquals(1, handles.write(p.b(), 1));
        assertEquals(1, handles.read(p.a(), 10), "still open and readable");
    }

    /** Interest 0 keeps the registration but reports no data; modify resumes it; the handle is still checked. */
    @Test
    void interestZeroPausesWithoutForgetting() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), 0, 3);
        handles.write(p.b(), 1);
        expectNoEvent(3);
        SystemCallException twice = assertThrows(SystemCallException.class, () -> poller.register(p.a(), READABLE, 4));
        assertEquals(SystemCallException.Kind.ALREADY_REGISTERED, twice.kind(), "still registered");
        poller.modify(p.a(), READABLE, 5);
        expectEvent(5, Readiness.READABLE);
        SystemCallException bad = assertThrows(SystemCallException.class, () -> poller.register(1_000_000, 0, 6));
        assertEquals(badHandleError(), bad.errnoName());
    }

    @Test
    void interestAndReadinessPrintTheirBitNames() {
        assertEquals("READABLE|EDGE", Interest.toString(READABLE | EDGE));
        assertEquals("WRITABLE|PRIORITY|ONESHOT", Interest.toString(WRITABLE | Interest.PRIORITY | ONESHOT));
        assertEquals("NONE", Interest.toString(0));
        assertEquals("READABLE|READ_CLOSED|HANGUP|ERROR|PRIORITY", Readiness.toString(
                Readiness.READABLE | Readiness.READ_CLOSED | Readiness.HANGUP | Readiness.ERROR | Readiness.PRIORITY));
        assertEquals("NONE", Readiness.toString(0));
    }
}
