package dev.rawpoll.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Readiness;
import dev.rawpoll.SystemCallException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The IOCP backend's logic (IocpPoller over AfdPollStateMachine) against {@link FakeAfdPort}, which
 * behaves as the C reference showed the AFD driver does. Runs on every OS: nothing here makes a
 * Windows call. The real calls are exercised by the contract tests in the Windows CI job.
 */
class IocpPollerLogicTest {
    private static final int READ_EVENTS = Afd.AFD_POLL_RECEIVE | Afd.AFD_POLL_ACCEPT | Afd.AFD_POLL_DISCONNECT;
    private static final int ALWAYS = Afd.AFD_POLL_ABORT | Afd.AFD_POLL_CONNECT_FAIL | Afd.AFD_POLL_LOCAL_CLOSE;

    private FakeAfdPort port;
    private IocpPoller poller;
    private Events events;

    @BeforeEach
    void open() {
        port = new FakeAfdPort();
        poller = new IocpPoller(port, Arena.ofShared());
        events = poller.newEvents(8);
        for (long socket : new long[] {0x1_0000_0007L, 0x208L, 0x30CL}) {
            port.openSocket(socket);
        }
    }

    @AfterEach
    void close() {
        poller.close();
        assertEquals(0, poller.machine.outstanding(), "every poll came back before close freed its block");
        assertEquals(0, port.inFlight());
        assertTrue(port.closed);
    }

    /** (token, readiness) of each event that is not stale. */
    private List<String> poll(long timeoutMillis) throws IOException {
        poller.poll(events, timeoutMillis, TimeUnit.MILLISECONDS);
        List<String> seen = new ArrayList<>();
        events.forEach((token, readiness) -> seen.add(token + ":" + Readiness.toString(readiness)));
        return seen;
    }

    private Request requestOf(long socket) {
        return new Request(port.request(poller.machine.slotOf(socket)));
    }

    private record Request(FakeAfdPort.Request r) {
        int events() { return r.submittedEvents; }
        boolean inFlight() { return r.inFlight; }
    }

    @Test
    void registerSubmitsAPollForTheInterest() throws IOException {
        long s = 0x1_0000_0007L; // a 64-bit SOCKET value
        poller.register(s, Interest.READABLE, 42);
        assertEquals(1, port.submits);
        assertEquals(READ_EVENTS | ALWAYS, requestOf(s).events());
        assertTrue(requestOf(s).inFlight());
        assertEquals(List.of(), poll(0));

        poller.register(0x208L, Interest.WRITABLE, 43);
        assertEquals(Afd.AFD_POLL_SEND | ALWAYS, requestOf(0x208L).events());
    }

    @Test
    void levelTriggeredReportsAndPollsAgainBeforeTheNextWait() throws IOException {
        poller.register(0x208L, Interest.READABLE, 42);
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE);
        assertEquals(List.of("42:READABLE"), poll(1000));
        assertEquals(1, port.submits, "not polled again while the caller handles the event");
        assertEquals(List.of("42:READABLE"), poll(1000), "still readable: reported again");
        assertEquals(2, port.submits);
        port.setConditions(0x208L, 0); // the caller read everything
        assertEquals(List.of(), poll(0));
        assertEquals(3, port.submits);
        assertTrue(requestOf(0x208L).inFlight(), "a poll waits for the next data");
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE);
        assertEquals(List.of("42:READABLE"), poll(1000));
    }

    /** Urgent data: AFD_POLL_RECEIVE_EXPEDITED is asked for with PRIORITY and reported as PRIORITY. */
    @Test
    void priorityInterestPollsForExpeditedData() throws IOException {
        poller.register(0x208L, Interest.READABLE | Interest.PRIORITY, 42);
        assertEquals(READ_EVENTS | Afd.AFD_POLL_RECEIVE_EXPEDITED | ALWAYS, requestOf(0x208L).events());
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE | Afd.AFD_POLL_RECEIVE_EXPEDITED);
        assertEquals(List.of("42:READABLE|PRIORITY"), poll(1000));
    }

    @Test
    void edgeIsServedLevelTriggered() throws IOException {
        poller.register(0x208L, Interest.READABLE | Interest.EDGE, 42);
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE);
        assertEquals(List.of("42:READABLE"), poll(1000));
        assertEquals(List.of("42:READABLE"), poll(1000));
    }

    @Test
    void oneshotIsNotPolledForEventsAgainUntilModifyOnlyForItsClose() throws IOException {
        poller.register(0x208L, Interest.READABLE | Interest.ONESHOT, 42);
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE);
        assertEquals(List.of("42:READABLE"), poll(1000));
        assertEquals(List.of(), poll(0));
        assertEquals(List.of(), poll(0));
        // disarmed: one poll out, for AFD_POLL_LOCAL_CLOSE alone, which RECEIVE does not complete
        assertEquals(2, port.submits);
        assertEquals(1, port.inFlight());
        assertEquals("submit slot=0 socket=520 events=0x20", port.calls.getLast());

        poller.modify(0x208L, Interest.READABLE | Interest.ONESHOT, 43); // cancels the close watch
        assertEquals(List.of("43:READABLE"), poll(1000));
        assertEquals(1, port.cancels);
        assertEquals(3, port.submits);
    }

    /** wepoll's rule: a disarmed oneshot socket closed without deregister is still forgotten. */
    @Test
    void oneshotThatReportedAndIsThenClosedIsForgotten() throws IOException {
        poller.register(0x208L, Interest.READABLE | Interest.ONESHOT, 42);
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE);
        assertEquals(List.of("42:READABLE"), poll(1000));
        assertEquals(List.of(), poll(0)); // the close watch goes out
        port.closeSocket(0x208L);
        assertEquals(List.of(), poll(1000));
        assertEquals(0, poller.machine.registered());
        assertEquals(0, poller.machine.slotsInUse());
        port.openSocket(0x208L); // the handle value comes back for a new socket
        poller.register(0x208L, Interest.READABLE, 44);
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE);
        assertEquals(List.of("44:READABLE"), poll(1000));
    }

    /**
     * A socket closed without deregister while its next poll waits to go out: by then its handle
     * value may name another kind of object (the JVM opens handles all the time), which AFD
     * refuses with STATUS_OBJECT_TYPE_MISMATCH. Forgotten quietly, as a closed handle is.
     */
    @Test
    void handleValueReusedByAnotherKindOfObjectIsForgottenQuietly() throws IOException {
        poller.register(0x208L, Interest.READABLE, 42);
        poller.register(0x30CL, Interest.READABLE, 43);
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE);
        assertEquals(List.of("42:READABLE"), poll(1000)); // 0x208 is queued to be polled again
        port.reuseAsAnotherObject(0x208L);
        port.setConditions(0x30CL, Afd.AFD_POLL_RECEIVE);
        assertEquals(List.of("43:READABLE"), poll(1000));
        assertEquals(1, poller.machine.registered());
        assertThrows(SystemCallException.class, () -> poller.modify(0x208L, Interest.READABLE, 1));
    }

    @Test
    void modifyWhilePendingCancelsAndPollsForTheNewEventsOnceTheCancelledPollIsBack() throws IOException {
        poller.register(0x208L, Interest.READABLE, 42);
        port.setConditions(0x208L, Afd.AFD_POLL_SEND); // writable, not readable: the poll waits
        poller.modify(0x208L, Interest.WRITABLE, 43);
        assertEquals(1, port.cancels);
        assertEquals(AfdPollStateMachine.CANCELLING, poller.machine.state(poller.machine.slotOf(0x208L)));
        // The cancelled completion reports nothing (its events field still says what was
        // submitted, RECEIVE among them); the new poll goes out after it and reports writable.
        assertEquals(List.of("43:WRITABLE"), poll(1000));
        assertEquals(List.of("submit slot=0 socket=520 events=0x" + Integer.toHexString(READ_EVENTS | ALWAYS),
                        "cancel slot=0",
                        "submit slot=0 socket=520 events=0x" + Integer.toHexString(Afd.AFD_POLL_SEND | ALWAYS)),
                port.calls);
    }

    @Test
    void cancelledCompletionAloneEndsNoWaitAndSurfacesNothing() throws IOException {
        poller.register(0x208L, Interest.READABLE, 42);
        poller.modify(0x208L, Interest.WRITABLE, 43); // cancels; nothing is ready at all
        long start = System.nanoTime();
        assertEquals(List.of(), poll(50));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50), "kept waiting after the cancelled completion");
        assertEquals(2, port.submits, "the new poll was submitted within the same wait");
    }

    @Test
    void modifyWithTheSameEventsKeepsThePollAndTakesTheNewToken() throws IOException {
        poller.register(0x208L, Interest.READABLE, 42);
        poller.modify(0x208L, Interest.READABLE, 43);
        assertEquals(0, port.cancels);
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE);
        assertEquals(List.of("43:READABLE"), poll(1000));
    }

    @Test
    void modifyRacingACompletionThatIsAlreadyQueued() throws IOException {
        poller.register(0x208L, Interest.READABLE, 42);
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE); // completes; not dequeued yet
        poller.modify(0x208L, Interest.WRITABLE, 43);   // CancelIoEx: ERROR_NOT_FOUND
        assertEquals(1, port.cancels);
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE | Afd.AFD_POLL_SEND);
        // The completion of the old poll surfaces nothing; the new one reports only writable.
        assertEquals(List.of("43:WRITABLE"), poll(1000));
    }

    @Test
    void deregisterWhilePendingCancelsAndReleasesTheSlotWhenTheCancelledPollComesBack() throws IOException {
        poller.register(0x208L, Interest.READABLE, 42);
        poller.deregister(0x208L);
        assertEquals(1, port.cancels);
        assertEquals(0, poller.machine.registered());
        assertEquals(1, poller.machine.slotsInUse(), "held until the driver is done with the request block");
        assertEquals(List.of(), poll(0));
        assertEquals(0, poller.machine.slotsInUse());
        assertEquals(0, port.inFlight());
        SystemCallException e = assertThrows(SystemCallException.class, () -> poller.deregister(0x208L));
        assertEquals("ERROR_NOT_FOUND", e.errnoName());
        // And the socket can be registered again.
        poller.register(0x208L, Interest.READABLE, 44);
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE);
        assertEquals(List.of("44:READABLE"), poll(1000));
    }

    @Test
    void reRegisterBeforeTheCancelledPollIsBackUsesAnotherSlot() throws IOException {
        poller.register(0x208L, Interest.READABLE, 42);
        poller.deregister(0x208L);
        poller.register(0x208L, Interest.READABLE, 44); // must not reuse the slot still in flight
        assertEquals(2, poller.machine.slotsInUse());
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE);
        assertEquals(List.of("44:READABLE"), poll(1000));
        assertEquals(1, poller.machine.slotsInUse());
    }

    @Test
    void deregisterOfAnIdleOneshotFreesTheSlotAtOnce() throws IOException {
        poller.register(0x208L, Interest.READABLE | Interest.ONESHOT, 42);
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE);
        assertEquals(List.of("42:READABLE"), poll(1000));
        poller.deregister(0x208L);
        assertEquals(0, port.cancels);
        assertEquals(0, poller.machine.slotsInUse());
    }

    @Test
    void eventsOfARegistrationRemovedInTheSameBatchAreStale() throws IOException {
        poller.register(0x208L, Interest.READABLE, 1);
        poller.register(0x30CL, Interest.READABLE, 2);
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE);
        port.setConditions(0x30CL, Afd.AFD_POLL_RECEIVE);
        assertEquals(2, poller.poll(events, 1, TimeUnit.SECONDS));
        int first = events.token(0) == 1 ? 0 : 1;
        poller.deregister(0x208L);
        // A new socket takes the freed slot: the old event must not reach it.
        poller.register(0x1_0000_0007L, Interest.READABLE, 3);
        assertEquals(0, events.readiness(first));
        assertEquals(Events.NO_TOKEN, events.token(first));
        assertEquals(2, events.token(1 - first));
        assertEquals(Readiness.READABLE, events.readiness(1 - first));
    }

    @Test
    void eventsAreMaskedWithTheCurrentInterestAndCarryTheCurrentToken() throws IOException {
        poller.register(0x208L, Interest.READABLE | Interest.WRITABLE, 1);
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE | Afd.AFD_POLL_SEND);
        assertEquals(1, poller.poll(events, 1, TimeUnit.SECONDS));
        assertEquals(Readiness.READABLE | Readiness.WRITABLE, events.readiness(0));
        poller.modify(0x208L, Interest.WRITABLE, 5);
        assertEquals(Readiness.WRITABLE, events.readiness(0));
        assertEquals(5, events.token(0));
    }

    @Test
    void disconnectAbortAndConnectFailMapToTheReadinessTable() throws IOException {
        poller.register(0x208L, Interest.READABLE, 1);
        port.setConditions(0x208L, Afd.AFD_POLL_DISCONNECT);
        assertEquals(List.of("1:READABLE|READ_CLOSED"), poll(1000));
        poller.deregister(0x208L);
        poll(0);

        poller.register(0x30CL, 0, 2); // no interest: only hang-up and error are watched
        port.setConditions(0x30CL, Afd.AFD_POLL_RECEIVE | Afd.AFD_POLL_SEND);
        assertEquals(List.of(), poll(0));
        port.setConditions(0x30CL, Afd.AFD_POLL_ABORT);
        assertEquals(List.of("2:HANGUP"), poll(1000));
        poller.modify(0x30CL, Interest.WRITABLE | Interest.ONESHOT, 3);
        port.setConditions(0x30CL, Afd.AFD_POLL_CONNECT_FAIL);
        assertEquals(List.of("3:WRITABLE|ERROR"), poll(1000));
    }

    @Test
    void aSocketClosedWhilePolledIsForgotten() throws IOException {
        poller.register(0x208L, Interest.READABLE, 42);
        port.closeSocket(0x208L); // AFD_POLL_LOCAL_CLOSE
        assertEquals(List.of(), poll(0));
        assertEquals(0, poller.machine.registered());
        assertEquals(0, poller.machine.slotsInUse());
        assertThrows(SystemCallException.class, () -> poller.modify(0x208L, Interest.READABLE, 1));
    }

    @Test
    void aSocketClosedBetweenPollsIsForgottenWhenPolledAgain() throws IOException {
        poller.register(0x208L, Interest.READABLE, 42);
        port.setConditions(0x208L, Afd.AFD_POLL_RECEIVE);
        assertEquals(List.of("42:READABLE"), poll(1000));
        port.closeSocket(0x208L);
        assertEquals(List.of(), poll(0)); // the re-submission is refused: STATUS_INVALID_HANDLE
        assertEquals(0, poller.machine.registered());
        assertEquals(0, poller.machine.slotsInUse());
    }

    @Test
    void registrationErrorsNameTheWindowsError() throws IOException {
        poller.register(0x208L, Interest.READABLE, 42);
        SystemCallException twice = assertThrows(SystemCallException.class, () -> poller.register(0x208L, Interest.READABLE, 1));
        assertEquals("ERROR_ALREADY_EXISTS", twice.errnoName());
        assertEquals("register(socket=520)", twice.call());
        SystemCallException unknown = assertThrows(SystemCallException.class, () -> poller.modify(0x999L, Interest.READABLE, 1));
        assertEquals("ERROR_NOT_FOUND", unknown.errnoName());
        SystemCallException notSocket = assertThrows(SystemCallException.class, () -> poller.register(0x999L, Interest.READABLE, 1));
        assertEquals("WSAENOTSOCK", notSocket.errnoName());
        assertEquals(1, poller.machine.slotsInUse(), "a refused registration keeps no slot");
        assertThrows(IllegalArgumentException.class, () -> poller.register(0x30CL, 1 << 20, 1));
        assertThrows(IllegalArgumentException.class, () -> poller.register(0x30CL, Interest.READABLE, Events.NO_TOKEN));
    }

    @Test
    void wakeupPostsOneCompletionWithItsOwnKeyAndCoalesces() throws Exception {
        poller.wakeup();
        poller.wakeup();
        poller.wakeup();
        assertEquals(1, port.posts);
        assertEquals(0, poller.poll(events, -1, TimeUnit.MILLISECONDS), "returns at once, with no event");
        assertEquals(0, poller.poll(events, 0, TimeUnit.MILLISECONDS));

        Thread waker = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            poller.wakeup();
        });
        assertEquals(0, poller.poll(events, -1, TimeUnit.MILLISECONDS), "a blocked poll returns on wakeup");
        waker.join();
        assertEquals(2, port.posts);
    }

    @Test
    void closeCancelsOutstandingPollsAndWaitsForThem() throws IOException {
        poller.register(0x208L, Interest.READABLE, 1);
        poller.register(0x30CL, Interest.WRITABLE, 2);
        poller.close();
        assertEquals(2, port.cancels);
        assertFalse(poller.isOpen());
        assertThrows(IllegalStateException.class, () -> events.count());
        assertThrows(IllegalStateException.class, () -> poller.register(0x1_0000_0007L, Interest.READABLE, 1));
        poller.close(); // idempotent
        poller.wakeup(); // any time, also after close
    }

    @Test
    void manyRegistrationsGrowTheTables() throws IOException {
        int n = 200;
        for (int i = 0; i < n; i++) {
            port.openSocket(0x10_0000L + 4 * i);
            poller.register(0x10_0000L + 4 * i, Interest.READABLE, i);
        }
        for (int i = 0; i < n; i += 2) {
            poller.deregister(0x10_0000L + 4 * i);
        }
        assertEquals(n / 2, poller.machine.registered());
        // A poll takes at most capacity (8) completions: the cancelled polls come back over several.
        assertEquals(n, poller.machine.slotsInUse());
        for (int i = 0; i < (n / 2 + 7) / 8; i++) {
            assertEquals(List.of(), poll(0));
        }
        assertEquals(n / 2, poller.machine.slotsInUse());
        port.setConditions(0x10_0000L + 4 * 7, Afd.AFD_POLL_RECEIVE);
        assertEquals(List.of("7:READABLE"), poll(1000));
    }
}
