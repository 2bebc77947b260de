package dev.rawpoll;

import static dev.rawpoll.Interest.READABLE;

import dev.rawpoll.TestHandles.Pair;
import java.io.IOException;
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
}
