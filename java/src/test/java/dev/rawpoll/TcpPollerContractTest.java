package dev.rawpoll;

import static dev.rawpoll.Interest.READABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rawpoll.TestHandles.Pair;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The contract over loopback TCP connections ({@link LoopbackTcp}) instead of pipes, plus what
 * only TCP has: a listener that becomes readable, a reset. Windows has no other handles; on Linux
 * the same suite runs over epoll, so that what the Windows job runs is also run here.
 */
public abstract class TcpPollerContractTest extends PollerContractTest {

    protected final LoopbackTcp tcp = LoopbackTcp.INSTANCE;

    @Override
    protected TestHandles testHandles() {
        return tcp;
    }

    @Test
    protected void resetByThePeerReportsHangup() throws IOException {
        Pair s = socketPair();
        poller.register(s.a(), READABLE, 40);
        expectNoEvent(40);
        tcp.resetB(s);
        expectEvent(40, Readiness.HANGUP);
    }

    @Test
    void listenerIsReadableWhileAConnectionWaits() throws IOException {
        LoopbackTcp.Listener listener = track(tcp.listen());
        poller.register(listener.socket(), READABLE, 41);
        expectNoEvent(41);
        long client = tcp.connect(listener);
        try {
            expectEvent(41, Readiness.READABLE);
            tcp.close(tcp.accept(listener));
            expectNoEvent(41); // level-triggered: nothing left to accept
        } finally {
            tcp.close(client);
        }
        poller.deregister(listener.socket());
    }

    /**
     * Urgent (MSG_OOB) data is reported as PRIORITY, only with a PRIORITY interest; without it a
     * lone urgent byte is not reported at all, though recv(MSG_OOB) gets it.
     */
    @Test
    protected void urgentDataIsReportedAsPriorityOnlyWithAPriorityInterest() throws Exception {
        Pair s = socketPair();
        poller.register(s.a(), READABLE, 80);
        assertEquals(1, tcp.sendUrgent(s.b(), "!"));
        Thread.sleep(50); // loopback delivery
        Map<Long, Integer> seen = pollOnce(100);
        assertEquals(0, seen.getOrDefault(80L, 0) & Readiness.PRIORITY, describe(seen));
        poller.modify(s.a(), READABLE | Interest.PRIORITY, 81);
        expectEvent(81, Readiness.PRIORITY);
        assertEquals('!', tcp.receiveUrgent(s.a()));
        assertEquals(0, pollOnce(50).getOrDefault(81L, 0) & Readiness.PRIORITY, "urgent byte read: no longer reported");
        assertEquals(12, tcp.sendUrgent(s.b(), "Hello world!"));
        expectEvent(81, Readiness.READABLE | Readiness.PRIORITY);
        assertEquals('!', tcp.receiveUrgent(s.a()));
        poller.deregister(s.a());
    }
}
