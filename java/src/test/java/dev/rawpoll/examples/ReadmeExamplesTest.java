package dev.rawpoll.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.Readiness;
import dev.rawpoll.TestFds;
import dev.rawpoll.TestSockets;
import dev.rawpoll.loop.AsyncSockets;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.EventLoopGroup;
import dev.rawpoll.loop.GroupServer;
import dev.rawpoll.loop.Tasks;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import dev.rawpoll.vthread.BlockingSockets;
import dev.rawpoll.vthread.BlockingTcpListener;
import dev.rawpoll.vthread.BlockingTcpStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The Java examples of the README and of {@code docs/sockets.md}, word for word (some are also the
 * javadoc examples of {@code Poller}, {@code EventLoopGroup} and {@code BlockingSockets}), run and
 * checked: each example ends with what it computed, which the test asserts. Descriptors are counted
 * before and after, so an example that leaks fails too.
 */
@EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON) // the examples use rawpoll's sockets
@Timeout(60)
class ReadmeExamplesTest {

    @Test
    void pollerExampleSeesTheListenerReadable() throws Exception {
        long fdsBefore = TestFds.openFdCount();
        List<String> seen = new ArrayList<>();
        try (Poller poller = Poller.open();                   // epoll on Linux, kqueue on macOS
             TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 16)) {
            Events events = poller.newEvents(64);             // native array, reused by every poll
            poller.register(listener.handle(), Interest.READABLE, 42L); // 42 comes back with each event

            try (TcpStream client = TcpStream.connect(listener.localAddress())) { // a client knocks
                int n = poller.poll(events, 1, TimeUnit.SECONDS);             // waits at most 1 s
                for (int i = 0; i < n; i++) {
                    int ready = events.readiness(i);
                    if (ready == 0) continue;                 // stale: deregistered meanwhile
                    seen.add(events.token(i) + " " + Readiness.toString(ready));
                }
                try (TcpStream accepted = listener.accept()) {
                    // serve it (accept() returns null when nothing is pending)
                }
            }
            poller.deregister(listener.handle());             // always before closing the handle
        }
        // seen: [42 READABLE]
        assertEquals(List.of("42 READABLE"), seen);
        assertEquals(fdsBefore, TestFds.openFdCount());
    }

    @Test
    void loopExampleEchoesThroughTasks() throws Exception {
        long fdsBefore = TestFds.openFdCount();
        String reply;
        try (TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 128);
             EventLoop loop = EventLoop.open()) {
            loop.spawn(() -> {                                  // an echo server, one task per client
                for (;;) {
                    TcpStream s = AsyncSockets.accept(listener);
                    Tasks.spawn(() -> {
                        try (s) {
                            byte[] b = new byte[4096];
                            for (int n; (n = AsyncSockets.read(s, b, 0, b.length)) > 0; ) {
                                AsyncSockets.writeAll(s, b, 0, n);
                            }
                        }
                        return null;
                    });
                }
            });
            reply = loop.runUntilComplete(() -> {              // a client
                try (TcpStream s = AsyncSockets.connect(listener.localAddress())) {
                    AsyncSockets.writeAll(s, "ping".getBytes(), 0, 4);
                    byte[] b = new byte[4];
                    Tasks.withTimeout(Duration.ofSeconds(1), () -> { AsyncSockets.readFully(s, b, 0, 4); return null; });
                    return new String(b);
                }
            });
        }   // loop.close() cancels the server task (its watcher goes), then the listener closes
        // reply: "ping"
        assertEquals("ping", reply);
        assertEquals(fdsBefore, TestFds.openFdCount());
    }

    @Test
    void groupExampleEchoesOnALoopOfTheGroup() throws Exception {
        String reply;
        try (EventLoopGroup group = EventLoopGroup.open();           // one loop per available processor
             GroupServer server = group.serve(new InetSocketAddress("127.0.0.1", 0), 1024, stream -> {
                 byte[] b = new byte[4096];                           // a task on the stream's loop
                 for (int n; (n = AsyncSockets.read(stream, b, 0, b.length)) > 0; ) {
                     AsyncSockets.writeAll(stream, b, 0, n);
                 }
             })) {
            reply = group.spawn(() -> {                               // a client, on the next loop
                try (TcpStream s = AsyncSockets.connect(server.localAddress())) {
                    AsyncSockets.writeAll(s, "ping".getBytes(), 0, 4);
                    byte[] b = new byte[4];
                    AsyncSockets.readFully(s, b, 0, 4);
                    return new String(b);
                }
            }).get(5, TimeUnit.SECONDS);
        }
        // reply: "ping"
        assertEquals("ping", reply);
    }

    @Test
    void virtualThreadExampleEchoes() throws Exception {
        byte[] echoed;
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
                echoed = s.readFully(new byte[4]);                    // "ping"
            }
            server.join();
        }
        assertArrayEquals("ping".getBytes(), echoed);
    }

    @Test
    void socketsExampleConnectsWritesAndReads() throws Exception {
        long fdsBefore = TestFds.openFdCount();
        byte[] bytes = "hello".getBytes(), buffer = new byte[64];
        try (Poller poller = Poller.open();
             TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 128);
             TcpStream client = TcpStream.connect(listener.localAddress())) { // returns at once
            Events events = poller.newEvents(8);
            poller.register(client.handle(), Interest.WRITABLE, 1L);
            poller.poll(events, 1, TimeUnit.SECONDS);       // token 1 writable: the connect is done
            client.finishConnect();                         // true, or throws ConnectionRefusedException
            int n = client.write(bytes, 0, bytes.length);   // bytes written, or TcpStream.WOULD_BLOCK
            poller.deregister(client.handle());
            try (TcpStream server = listener.accept()) {    // null when nothing is pending
                poller.register(server.handle(), Interest.READABLE, 2L);
                poller.poll(events, 1, TimeUnit.SECONDS);   // token 2 readable
                n = server.read(buffer, 0, buffer.length);  // bytes, END_OF_STREAM (-1) or WOULD_BLOCK (-2)
                poller.deregister(server.handle());
            }
        }
        // buffer starts with "hello"
        assertEquals("hello", new String(buffer, 0, 5, StandardCharsets.US_ASCII));
        assertEquals(fdsBefore, TestFds.openFdCount());
    }
}
