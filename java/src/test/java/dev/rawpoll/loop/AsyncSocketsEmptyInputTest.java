package dev.rawpoll.loop;

import dev.rawpoll.TestSockets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rawpoll.LeakCheck;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Empty reads and writes through {@link AsyncSockets} return 0 (or return at once, for readFully
 * and writeAll) without waiting, even on a socket that will never become readable (issue 12, 6).
 */
@EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(LeakCheck.class)
class AsyncSocketsEmptyInputTest {
    private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private EventLoop loop;
    private TcpListener listener;

    @BeforeEach
    void open() throws IOException {
        loop = EventLoop.open();
        listener = TcpListener.bind(ANY_LOOPBACK, 16);
    }

    @AfterEach
    void close() {
        loop.close();
        listener.close();
    }

    @Test
    void emptyReadsAndWritesReturnWithoutWaiting() throws Exception {
        Task<String> server = loop.spawn(() -> {
            try (TcpStream s = AsyncSockets.accept(listener)) {
                // Nothing ever arrives on s: a read of one byte would wait forever.
                StringBuilder results = new StringBuilder();
                results.append(AsyncSockets.read(s, new byte[0], 0, 0)).append(',');
                results.append(AsyncSockets.read(s, new byte[8], 8, 0)).append(',');
                results.append(AsyncSockets.read(s, MemorySegment.ofArray(new byte[0]))).append(',');
                results.append(AsyncSockets.write(s, new byte[0], 0, 0)).append(',');
                results.append(AsyncSockets.write(s, MemorySegment.NULL));
                AsyncSockets.readFully(s, new byte[4], 4, 0);
                AsyncSockets.readFully(s, MemorySegment.NULL);
                AsyncSockets.writeAll(s, new byte[0], 0, 0);
                AsyncSockets.writeAll(s, MemorySegment.NULL);
                return results.toString();
            }
        });
        Task<Void> client = loop.spawn(() -> {
            try (TcpStream s = AsyncSockets.connect(listener.localAddress())) {
                Tasks.await(server);
            }
            return null;
        });
        assertEquals("0,0,0,0,0", loop.runUntilComplete(server));
        loop.runUntilComplete(client);
        assertEquals(0, loop.watchedHandles(), "nothing was registered for an empty call");
    }

    @Test
    void emptyCallsAreStillCheckedForBounds() throws Exception {
        Task<Void> t = loop.spawn(() -> {
            try (TcpStream s = AsyncSockets.connect(listener.localAddress())) {
                assertThrows(IndexOutOfBoundsException.class, () -> AsyncSockets.read(s, new byte[0], 1, 0));
                assertThrows(IndexOutOfBoundsException.class, () -> AsyncSockets.readFully(s, new byte[0], 1, 0));
                assertThrows(IndexOutOfBoundsException.class, () -> AsyncSockets.writeAll(s, new byte[0], 1, 0));
            }
            return null;
        });
        loop.runUntilComplete(t);
    }
}
