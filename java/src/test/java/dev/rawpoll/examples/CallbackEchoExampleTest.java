package dev.rawpoll.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rawpoll.LeakCheck;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import dev.rawpoll.vthread.BlockingSockets;
import dev.rawpoll.vthread.BlockingTcpStream;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The callback echo server of {@code docs/loop.md} ("Callbacks"), run against a client that sends
 * 16 MiB before it reads a byte, so that the server's writes would block and it has to stop
 * reading and wait for room (backpressure); every echoed byte is checked, and no descriptor leaks.
 * Why the writes must block: while the client does not read, what the server has written can only
 * sit in its send buffer (at most {@code tcp_wmem}'s maximum, checked below to be at most a quarter
 * of the payload) and the client's receive window, so a server that never met WOULD_BLOCK could
 * not have taken the whole payload; and the client reads only after the pause.
 */
@ExtendWith(LeakCheck.class)
class CallbackEchoExampleTest {

    /** The listener's side: accept every pending connection each time the listener is readable. */
    static void serve(EventLoop loop, TcpListener listener) throws IOException {
        loop.addReader(listener.handle(), () -> {
            try {
                for (TcpStream s; (s = listener.accept()) != null; ) {
                    new EchoConnection(loop, s);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);              // to the loop's exception handler
            }
        });
    }

    @Test
    @Timeout(60)
    void theCallbackEchoServerEchoesEveryByteThroughBackpressure() throws Exception {
        byte[] sent = new byte[16 << 20];
        String[] wmem = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/sys/net/ipv4/tcp_wmem")).get(0).trim().split("\\s+");
        org.junit.jupiter.api.Assertions.assertTrue(Long.parseLong(wmem[2]) <= sent.length / 4,
                "the payload must exceed what the send buffer can hold: tcp_wmem " + String.join(" ", wmem));
        new Random(7).nextBytes(sent);
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        int[] port = new int[1];

        try (EventLoop loop = EventLoop.open();
             TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 16)) {
            serve(loop, listener);
            port[0] = listener.localAddress().getPort();
            Thread client = Thread.ofPlatform().start(() -> received.complete(sendAllThenRead(port[0], sent)));
            while (!received.isDone()) {
                loop.runOnce(10, TimeUnit.MILLISECONDS);
            }
            client.join();
            loop.removeReader(listener.handle());
            for (int i = 0; i < 5; i++) {
                loop.runOnce(10, TimeUnit.MILLISECONDS); // the server side sees the end of stream and closes
            }
            assertEquals(0, loop.watchedHandles(), "every connection closed and unwatched");
        }
        assertArrayEquals(sent, received.get());
    }

    /**
     * The client, on rawpoll's blocking sockets (java.net would keep a descriptor of its own open
     * for good, which the leak check would count): writes everything from a thread of its own,
     * and starts reading only after a pause, so the server must wait for room.
     */
    private static byte[] sendAllThenRead(int port, byte[] sent) {
        try (BlockingSockets sockets = BlockingSockets.open();
             BlockingTcpStream s = sockets.connect(new InetSocketAddress("127.0.0.1", port))) {
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    s.writeAll(sent);
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            Thread.sleep(300);
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] chunk = new byte[64 * 1024];
            for (int n; (n = s.read(chunk, 0, chunk.length)) > 0; ) {
                got.write(chunk, 0, n);
            }
            writer.join();
            return got.toByteArray();
        } catch (IOException | InterruptedException e) {
            throw new RuntimeException(e);
        }
    }
}
