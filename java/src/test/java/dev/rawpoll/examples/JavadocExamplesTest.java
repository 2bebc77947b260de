package dev.rawpoll.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rawpoll.Poller;
import dev.rawpoll.Interest;
import dev.rawpoll.LeakCheck;
import dev.rawpoll.TestSockets;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.Task;
import dev.rawpoll.loop.Tasks;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The javadoc examples of the exported packages that are not also README examples (those run in
 * {@link ReadmeExamplesTest}), word for word, run and checked.
 */
@Timeout(60)
class JavadocExamplesTest {

    @Test
    void tasksExampleGathersAndTimesOut() throws Exception {
        String s;
        try (EventLoop loop = EventLoop.open()) {
            s = loop.runUntilComplete(() -> {
                Task<Integer> a = Tasks.spawn(() -> { Tasks.sleep(Duration.ofMillis(10)); return 1; });
                Task<Integer> b = Tasks.spawn(() -> 2);
                List<Integer> both = Tasks.await(Tasks.gather(List.of(a, b)));   // [1, 2]
                return Tasks.withTimeout(Duration.ofSeconds(1), () -> "done " + both);
            });
        }
        // s: "done [1, 2]"
        assertEquals("done [1, 2]", s);
    }

    @Test
    @EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
    void tcpListenerExampleAcceptsUntilNoneIsPending() throws Exception {
        // Handles opened once per process (Winsock's, on Windows) are not the example's.
        try (TcpListener warm = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 1); Poller p = Poller.open()) {
            p.register(warm.handle(), Interest.READABLE, 1L);
            p.deregister(warm.handle());
        }
        long fdsBefore = LeakCheck.openHandles();
        List<InetSocketAddress> accepted = new ArrayList<>();
        try (TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 128);
             Poller poller = Poller.open();
             TcpStream client = TcpStream.connect(listener.localAddress())) {
            poller.register(listener.handle(), Interest.READABLE, 1L);
            poller.poll(poller.newEvents(8), 1, TimeUnit.SECONDS);  // reports the listener readable
            for (TcpStream s; (s = listener.accept()) != null; ) {  // accept until none is pending
                accepted.add(s.remoteAddress());
                s.close();                                          // or serve it
            }
            poller.deregister(listener.handle());
        }
        assertEquals(1, accepted.size());
        assertEquals(fdsBefore, LeakCheck.openHandles(), LeakCheck::describeOpenHandles);
    }
}
