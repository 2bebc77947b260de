package dev.rawpoll.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.TestFds;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.Promise;
import dev.rawpoll.loop.Tasks;
import dev.rawpoll.vthread.BlockingSockets;
import dev.rawpoll.vthread.BlockingTcpListener;
import dev.rawpoll.vthread.BlockingTcpStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The README's three embedding examples, kept compiling and true. */
@EnabledOnOs(OS.LINUX)
class EmbeddingExamplesTest {

    @Test
    @Timeout(30)
    void hostLoopDrivesTheEventLoop() throws Exception {
        long fdsBefore = TestFds.openFdCount();
        List<String> log = new ArrayList<>();
        // --- README example: a host loop drives the event loop ---
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
        // --- end ---
        assertEquals(List.of("from another thread", "slept"), log);
        assertEquals(fdsBefore, TestFds.openFdCount());
    }

    @Test
    @Timeout(30)
    void virtualThreadsOnRawpollSockets() throws Exception {
        // --- README example: virtual threads parked on rawpoll pollers ---
        BlockingSockets io = BlockingSockets.shared();
        try (BlockingTcpListener listener = io.bind(new InetSocketAddress("127.0.0.1", 0), 128)) {
            Thread server = Thread.ofVirtual().start(() -> {
                try (BlockingTcpStream c = listener.accept()) {      // parks until a client comes
                    c.writeAll(c.readFully(new byte[4]));             // parks until 4 bytes arrive
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try (BlockingTcpStream s = io.connect(listener.localAddress())) {
                s.writeAll("ping".getBytes());
                assertArrayEquals("ping".getBytes(), s.readFully(new byte[4]));
            }
            server.join();
        }
        // --- end ---
    }
}
