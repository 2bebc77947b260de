package dev.rawpoll.windows;

import static dev.rawpoll.Interest.EDGE;
import static dev.rawpoll.Interest.ONESHOT;
import static dev.rawpoll.Interest.READABLE;
import static dev.rawpoll.Interest.WRITABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Poller;
import dev.rawpoll.Readiness;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.TcpPollerContractTest;
import dev.rawpoll.TestHandles.Pair;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The contract on IOCP, for real, over loopback TCP (Winsock has no pipes and no socketpair), plus
 * what only the AFD-poll machinery has: cancel and re-submit on modify and deregister, Windows
 * error names. Runs only on Windows, i.e. in the windows-latest CI job; elsewhere JUnit reports
 * it as disabled (the state machine is tested everywhere by {@link IocpPollerLogicTest}, and the
 * same suite runs over epoll as {@code EpollPollerTcpTest}).
 */
@EnabledOnOs(OS.WINDOWS)
class IocpPollerTest extends TcpPollerContractTest {

    @Override
    protected Poller openPoller() throws IOException {
        return IocpPoller.open();
    }

    @Override
    protected String alreadyRegisteredError() {
        return "ERROR_ALREADY_EXISTS";
    }

    @Override
    protected String notRegisteredError() {
        return "ERROR_NOT_FOUND";
    }

    /** A number that is no socket fails SIO_BASE_HANDLE before anything is registered. */
    @Override
    protected String badHandleError() {
        return "WSAENOTSOCK";
    }

    /** An AFD poll reports states, not transitions: EDGE is served level-triggered (see Interest). */
    @Override
    protected boolean edgeIsServedLevelTriggered() {
        return true;
    }

    /**
     * Differs on IOCP: an AFD poll reports states, not transitions, so EDGE is served
     * level-triggered (Interest says so). A caller that reads until "would block", as EDGE asks,
     * sees extra reports and misses none.
     */
    @Override
    @Test
    protected void edgeTriggeredReportsOnlyNewData() throws IOException {
        Pair p = pipe();
        poller.register(p.a(), READABLE | EDGE, 5);
        handles.write(p.b(), 100);
        expectEvent(5, Readiness.READABLE);
        expectEvent(5, Readiness.READABLE); // data still there: reported again, unlike epoll and kqueue
        handles.drain(p.a());
        expectNoEvent(5);
        handles.write(p.b(), 1);
        expectEvent(5, Readiness.READABLE);
    }

    @Test
    void openPicksIocpOnWindows() throws IOException {
        try (Poller p = Poller.open()) {
            assertEquals("iocp", p.backend());
        }
    }

    /** An AFD poll cannot be changed while pending (mio learned it too): modify cancels it and the next poll asks anew. */
    @Test
    void modifyWhilePendingSwitchesToTheNewInterestAndToken() throws IOException {
        Pair p = socketPair();
        poller.register(p.a(), READABLE, 6);
        expectNoEvent(6); // the READABLE poll is pending
        poller.modify(p.a(), WRITABLE, 7);
        expectEvent(7, Readiness.WRITABLE);
    }

    @Test
    void deregisterWhilePendingThenNothingArrivesAndTheSocketCanComeBack() throws IOException {
        Pair p = socketPair();
        poller.register(p.a(), READABLE, 8);
        expectNoEvent(8);
        poller.deregister(p.a()); // cancels the pending poll
        handles.write(p.b(), 1);
        expectNoEvent(8);
        SystemCallException e = assertThrows(SystemCallException.class, () -> poller.deregister(p.a()));
        assertEquals("ERROR_NOT_FOUND", e.errnoName());
        poller.register(p.a(), READABLE, 9);
        expectEvent(9, Readiness.READABLE);
    }

    @Test
    void aSocketClosedWhilePolledIsForgotten() throws IOException {
        Pair p = socketPair();
        poller.register(p.a(), READABLE, 12);
        expectNoEvent(12);
        long closed = p.a();
        p.closeA(); // the pending poll completes with AFD_POLL_LOCAL_CLOSE
        expectNoEvent(12);
        SystemCallException e = assertThrows(SystemCallException.class, () -> poller.modify(closed, READABLE, 13));
        assertEquals("ERROR_NOT_FOUND", e.errnoName());
    }

    /** wepoll's rule: a oneshot socket that has reported still has a poll out, for its close. */
    @Test
    void aOneshotSocketClosedAfterItsReportIsForgotten() throws IOException {
        Pair p = socketPair();
        poller.register(p.a(), READABLE | ONESHOT, 17);
        handles.write(p.b(), 1);
        expectEvent(17, Readiness.READABLE);
        expectNoEvent(17); // disarmed; the close watch goes out
        long closed = p.a();
        p.closeA();
        expectNoEvent(17);
        SystemCallException e = assertThrows(SystemCallException.class, () -> poller.modify(closed, READABLE, 18));
        assertEquals("ERROR_NOT_FOUND", e.errnoName());
    }

    @Test
    void errorsNameTheWindowsCallAndError() throws IOException {
        Pair p = socketPair();
        poller.register(p.a(), READABLE, 14);
        SystemCallException twice = assertThrows(SystemCallException.class, () -> poller.register(p.a(), READABLE, 1));
        assertTrue(twice.getMessage().startsWith("register(socket=" + p.a() + "): ERROR_ALREADY_EXISTS ("), twice.getMessage());
        SystemCallException notSocket = assertThrows(SystemCallException.class, () -> poller.register(0x7FFF_FFF0L, READABLE, 1));
        assertTrue(notSocket.getMessage().startsWith("WSAIoctl(socket="), notSocket.getMessage());
    }

    @Test
    void closeWithPendingPollsReturnsAndLeavesNothingOpen() throws IOException {
        Pair p = socketPair();
        poller.register(p.a(), READABLE, 15);
        poller.register(p.b(), READABLE, 16);
        expectNoEvent(15);
        poller.close(); // cancels both polls and waits for them; the leak check counts the handles
        assertThrows(IllegalStateException.class, () -> poller.poll(events, 0, TimeUnit.MILLISECONDS));
    }
}
