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
 * The contract on kqueue over loopback TCP, as on epoll and IOCP: natively on macOS and FreeBSD,
 * on Linux against libkqueue when {@code RAWPOLL_LIBKQUEUE} names it (otherwise reported as not
 * run, with the reason). The deviations of {@link KqueuePollerTest} that concern TCP hold here too.
 */
class KqueuePollerTcpTest extends TcpPollerContractTest {
    private static Profile profile;

    @BeforeAll
    static void requireKqueue() throws IOException {
        profile = KqueueSupport.requireKqueue("KqueuePollerTcpTest");
        // libkqueue keeps some descriptors for good once the first kqueue is open: before any count
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

    /** libkqueue drops the second kevent of a descriptor beyond the batch: see {@link KqueuePollerTest}. */
    @Override
    protected int edgeOverflowDirections() {
        return profile == Profile.LIBKQUEUE ? READABLE : READABLE | WRITABLE;
    }

    /**
     * Differs on kqueue: HANGUP comes only from EV_EOF on EVFILT_WRITE (see Readiness), and a
     * READABLE registration has no write filter. The reset arrives as EV_EOF on EVFILT_READ with
     * the socket error (ECONNRESET) in fflags: READABLE|READ_CLOSED|ERROR. A read returns the
     * error at once, as with HANGUP.
     */
    @Override
    @Test
    protected void resetByThePeerReportsHangup() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE, 40);
        expectNoEvent(40);
        tcp.resetB(s);
        expectEvent(40, Readiness.READABLE | Readiness.READ_CLOSED | Readiness.ERROR);
    }
}
