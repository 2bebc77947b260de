package dev.rawpoll.bsd;

import static dev.rawpoll.Interest.READABLE;
import static dev.rawpoll.Interest.WRITABLE;

import dev.rawpoll.Poller;
import dev.rawpoll.Readiness;
import dev.rawpoll.TcpPollerContractTest;
import dev.rawpoll.TestHandles.Pair;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract on kqueue over loopback TCP: the suite the Windows job runs on IOCP and the Linux
 * build runs on epoll ({@code EpollPollerTcpTest}), here on kqueue (natively, or libkqueue).
 */
class KqueuePollerTcpTest extends TcpPollerContractTest {
    private static KqueueAbi abi;

    @BeforeAll
    static void requireKqueue() throws IOException {
        abi = KqueueSupport.requireKqueue("KqueuePollerTcpTest");
        KqueuePoller.open(abi).close(); // libkqueue's descriptors that stay for good exist before any count
    }

    @Override
    protected Poller openPoller() throws IOException {
        return KqueuePoller.open(abi);
    }

    /** libkqueue frees a closed kqueue's descriptors in another thread: finish that before counting. */
    @Override
    protected void settle() {
        if (abi != null && abi.closeIsAsynchronous) {
            Kqueue.drainPendingClose();
        }
    }

    /** libkqueue drops the second kevent of a descriptor beyond the batch: see {@link KqueuePollerTest}. */
    @Override
    protected int edgeOverflowDirections() {
        return abi == KqueueAbi.LIBKQUEUE ? READABLE : READABLE | WRITABLE;
    }

    /**
     * Differs on kqueue: HANGUP comes only from EV_EOF on EVFILT_WRITE (see Readiness), so a reset
     * seen by a READABLE registration is EV_EOF on EVFILT_READ with the socket error (ECONNRESET)
     * in fflags: READABLE|READ_CLOSED|ERROR, not HANGUP.
     */
    @Test
    @Override
    protected void resetByThePeerReportsHangup() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE, 40);
        expectNoEvent(40);
        tcp.resetB(s);
        expectEvent(40, Readiness.READABLE | Readiness.READ_CLOSED | Readiness.ERROR);
    }

    /** kqueue has no portable urgent-data filter: PRIORITY is refused (see Interest.PRIORITY). */
    @Test
    @Override
    protected void urgentDataIsReportedAsPriorityOnlyWithAPriorityInterest() {
        Pair s = socketPair();
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                () -> poller.register(s.a(), READABLE | dev.rawpoll.Interest.PRIORITY, 80));
    }
}
