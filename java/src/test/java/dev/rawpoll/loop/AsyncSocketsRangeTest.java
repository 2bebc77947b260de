package dev.rawpoll.loop;

import dev.rawpoll.TestSockets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.LeakCheck;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The (segment, offset, length) forms of {@link AsyncSockets}: a range far larger than the socket
 * buffers goes through short writes and arrives intact at its offset; bad ranges fail at once; an
 * empty range returns without waiting.
 */
@EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(LeakCheck.class)
class AsyncSocketsRangeTest {
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
    void writeAllAndReadFullyOfRangesMoveExactlyThoseBytes() throws Exception {
        int size = 8 << 20; // beyond the socket buffers: writeAll suspends on short writes
        try (Arena arena = Arena.ofShared()) {
            MemorySegment src = arena.allocate(size + 11);
            for (int i = 0; i < size + 11; i++) {
                src.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + (i >>> 11)));
            }
            MemorySegment dst = arena.allocate(size + 5);
            dst.fill((byte) -1);
            Task<Integer> server = loop.spawn(() -> {
                try (TcpStream s = AsyncSockets.accept(listener)) {
                    Tasks.sleep(Duration.ofMillis(10)); // the writer fills the buffers first
                    AsyncSockets.readFully(s, dst, 5, size - 100);
                    int n = 0;
                    for (int r; (r = AsyncSockets.read(s, dst, 5 + size - 100 + n, 100 - n)) > 0; ) {
                        n += r;
                    }
                    return n;
                }
            });
            loop.runUntilComplete(() -> {
                try (TcpStream s = AsyncSockets.connect(listener.localAddress())) {
                    AsyncSockets.writeAll(s, src, 11, size - 1);
                    assertEquals(1, AsyncSockets.write(s, src, 11 + size - 1, 1));
                    s.shutdownOutput();
                    Tasks.await(server);
                }
                return null;
            });
            assertEquals(100, server.result(), "the last 100 bytes came through read, until end of stream");
            assertEquals(-1, dst.asSlice(5, size).mismatch(src.asSlice(11, size)));
            assertEquals(-1, dst.get(ValueLayout.JAVA_BYTE, 4), "before the range: untouched");
        }
    }

    @Test
    void readFullyOfARangeSaysHowMuchCameBeforeTheEnd() throws Exception {
        Task<Void> server = loop.spawn(() -> {
            try (TcpStream s = AsyncSockets.accept(listener)) {
                AsyncSockets.writeAll(s, new byte[3], 0, 3);
            }
            return null;
        });
        EOFException e = assertThrows(EOFException.class, () -> loop.runUntilComplete(() -> {
            try (TcpStream s = AsyncSockets.connect(listener.localAddress())) {
                AsyncSockets.readFully(s, MemorySegment.ofArray(new byte[10]), 2, 8);
            }
            return null;
        }));
        assertTrue(e.getMessage().contains("3 of 8"), e.getMessage());
        loop.runUntilComplete(server);
    }

    @Test
    void badRangesFailAndEmptyRangesReturnAtOnce() throws Exception {
        Task<Void> server = loop.spawn(() -> {
            try (TcpStream s = AsyncSockets.accept(listener)) {
                MemorySegment seg = MemorySegment.ofArray(new byte[8]);
                // Nothing ever arrives on s: a read of one byte would wait forever.
                assertEquals(0, AsyncSockets.read(s, seg, 8, 0));
                assertEquals(0, AsyncSockets.write(s, seg, 0, 0));
                AsyncSockets.readFully(s, seg, 4, 0);
                AsyncSockets.writeAll(s, seg, 8, 0);
                assertThrows(IndexOutOfBoundsException.class, () -> AsyncSockets.read(s, seg, 9, 0));
                assertThrows(IndexOutOfBoundsException.class, () -> AsyncSockets.read(s, seg, 4, 5));
                assertThrows(IndexOutOfBoundsException.class, () -> AsyncSockets.write(s, seg, -1, 1));
                assertThrows(IndexOutOfBoundsException.class, () -> AsyncSockets.readFully(s, seg, 0, 9));
                assertThrows(IndexOutOfBoundsException.class, () -> AsyncSockets.writeAll(s, seg, 2, -1));
                assertTrue(!loop.watchers().has(s.handle(), FdWatchers.READ) && !loop.watchers().has(s.handle(), FdWatchers.WRITE),
                        "no call waited on the socket");
            }
            return null;
        });
        loop.runUntilComplete(() -> {
            try (TcpStream s = AsyncSockets.connect(listener.localAddress())) {
                Tasks.await(server);
            }
            return null;
        });
    }
}
