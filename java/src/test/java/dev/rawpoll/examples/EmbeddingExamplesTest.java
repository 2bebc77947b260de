package dev.rawpoll.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.TestFds;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.Promise;
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
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The embedding examples of {@code docs/loop.md} (a poller nested in another, a host loop driving
 * the event loop), word for word, run and checked; the virtual-thread one is the README's
 * ({@link ReadmeExamplesTest}).
 */
@EnabledOnOs(OS.LINUX)
class EmbeddingExamplesTest {

    @Test
    @Timeout(30)
    void pollerNestedInAnotherPoller() throws Exception {
        long fdsBefore = TestFds.openFdCount();
        List<Long> tokens = new ArrayList<>();
        try (Poller inner = Poller.open(); Poller outer = Poller.open();
             TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 16);
             TcpStream client = TcpStream.connect(listener.localAddress())) {   // makes the listener ready
            Events outerEvents = outer.newEvents(8), innerEvents = inner.newEvents(8);
            inner.register(listener.handle(), Interest.READABLE, 7);
            outer.register(inner.backendHandle().orElseThrow(), Interest.READABLE, 1);
            outer.poll(outerEvents, -1, TimeUnit.MILLISECONDS);      // reports token 1: inner is ready
            tokens.add(outerEvents.token(0));
            inner.poll(innerEvents, 0, TimeUnit.MILLISECONDS);       // reports token 7
            tokens.add(innerEvents.token(0));
            outer.deregister(inner.backendHandle().orElseThrow());
            inner.deregister(listener.handle());
        }
        // tokens: [1, 7]
        assertEquals(List.of(1L, 7L), tokens);
        assertEquals(fdsBefore, TestFds.openFdCount());
    }

    @Test
    @Timeout(30)
    void hostLoopDrivesTheEventLoop() throws Exception {
        long fdsBefore = TestFds.openFdCount();
        List<String> log = new ArrayList<>();
        try (Poller host = Poller.open(); Poller inner = Poller.open(); EventLoop loop = EventLoop.open(inner)) {
            Events hostEvents = host.newEvents(16);
            host.register(inner.backendHandle().orElseThrow(), Interest.READABLE, 0L); // the loop's fd
            Promise<String> done = loop.newPromise();
            loop.spawn(() -> {                                      // a task with a timer
                Tasks.sleep(Duration.ofMillis(50));
                return done.complete("slept");
            });
            Thread.ofPlatform().start(() -> loop.execute(() -> log.add("from another thread")));
            while (!done.isDone()) {
                long wait = loop.nextDeadline() == EventLoop.NO_DEADLINE
                        ? -1 : Math.max(0, loop.nextDeadline() - System.nanoTime());
                host.poll(hostEvents, wait, TimeUnit.NANOSECONDS);    // the host's own fds too
                loop.runOnce(0, TimeUnit.NANOSECONDS);              // one pass, never blocks
            }
            log.add(done.result());
            host.deregister(inner.backendHandle().orElseThrow());
        }
        // log: [from another thread, slept]
        assertEquals(List.of("from another thread", "slept"), log);
        assertEquals(fdsBefore, TestFds.openFdCount());
    }
}
