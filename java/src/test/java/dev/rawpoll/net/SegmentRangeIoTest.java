package dev.rawpoll.net;

import dev.rawpoll.TestSockets;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Interest;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * {@link TcpStream#read(MemorySegment, long, long)} and {@link TcpStream#write(MemorySegment, long,
 * long)}: the bytes of the range and only those move, on native and heap segments; a short write
 * reports what the kernel took; bad ranges fail before any system call; an empty range returns 0.
 */
@EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
class SegmentRangeIoTest extends LoopbackTest {

    private static MemorySegment pattern(Arena arena, int size) {
        MemorySegment s = arena.allocate(size);
        for (int i = 0; i < size; i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7 + 3));
        }
        return s;
    }

    @Test
    void aRangeOfANativeSegmentIsWrittenAndReadInPlace() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT); Arena arena = Arena.ofConfined()) {
            MemorySegment src = pattern(arena, 100);
            assertEquals(10, pair.client().write(src, 40, 10), "exactly the range is sent");
            MemorySegment dst = arena.allocate(64);
            dst.fill((byte) -1);
            await(pair.server().handle(), Interest.READABLE);
            assertEquals(10, pair.server().read(dst, 5, 20), "what arrived, at offset 5");
            assertArrayEquals(src.asSlice(40, 10).toArray(ValueLayout.JAVA_BYTE), dst.asSlice(5, 10).toArray(ValueLayout.JAVA_BYTE));
            for (long i : new long[] {0, 4, 15, 63}) {
                assertEquals(-1, dst.get(ValueLayout.JAVA_BYTE, i), "byte " + i + " outside what was read stays untouched");
            }
        }
    }

    @Test
    void aRangeOfAHeapSegmentIsWrittenAndReadInPlace() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            byte[] out = {1, 2, 3, 4, 5, 6, 7, 8};
            assertEquals(3, pair.client().write(MemorySegment.ofArray(out), 2, 3));
            byte[] in = new byte[6];
            await(pair.server().handle(), Interest.READABLE);
            assertEquals(3, pair.server().read(MemorySegment.ofArray(in), 3, 3));
            assertArrayEquals(new byte[] {0, 0, 0, 3, 4, 5}, in);
        }
    }

    @Test
    void aShortWriteReportsWhatTheKernelTookAndThoseBytesArriveInOrder() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT); Arena arena = Arena.ofConfined()) {
            pair.client().setSendBufferSize(4096);
            pair.server().setReceiveBufferSize(4096);
            int size = 4 << 20; // far more than both buffers hold: some write must come up short
            MemorySegment src = pattern(arena, size + 7);
            long offset = 7;
            long sent = 0;
            boolean shortWrite = false;
            while (sent < size) {
                int n = pair.client().write(src, offset + sent, size - sent);
                if (n == TcpStream.WOULD_BLOCK) {
                    break;
                }
                assertTrue(n > 0 && n <= size - sent, "written " + n + " of " + (size - sent));
                shortWrite |= n < size - sent;
                sent += n;
            }
            assertTrue(shortWrite, "the kernel took less than offered at least once");
            assertTrue(sent < size, "the send buffer filled up (WOULD_BLOCK) before 4 MiB");
            pair.client().shutdownOutput();
            MemorySegment got = arena.allocate(sent);
            long received = 0;
            while (true) {
                int n = pair.server().read(got, received, got.byteSize() - received);
                if (n == TcpStream.WOULD_BLOCK) {
                    await(pair.server().handle(), Interest.READABLE);
                } else if (n == TcpStream.END_OF_STREAM || n == 0) {
                    break;
                } else {
                    received += n;
                }
            }
            assertEquals(sent, received, "every byte reported written arrived, no more");
            assertEquals(-1, got.mismatch(src.asSlice(offset, sent)), "in order, from the range's start");
        }
    }

    @Test
    void rangesOutsideTheSegmentFailBeforeAnySystemCall() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT); Arena arena = Arena.ofConfined()) {
            TcpStream s = pair.client();
            MemorySegment seg = arena.allocate(16);
            for (long[] range : new long[][] {{-1, 1}, {0, -1}, {0, 17}, {16, 1}, {17, 0}, {8, 9}, {Long.MAX_VALUE, 1}}) {
                assertThrows(IndexOutOfBoundsException.class, () -> s.read(seg, range[0], range[1]), "read " + range[0] + "+" + range[1]);
                assertThrows(IndexOutOfBoundsException.class, () -> s.write(seg, range[0], range[1]), "write " + range[0] + "+" + range[1]);
            }
            assertThrows(IllegalArgumentException.class, () -> s.read(seg.asReadOnly(), 0, 1));
            // Nothing was sent or consumed by the refused calls.
            assertEquals(TcpStream.WOULD_BLOCK, pair.server().read(seg, 0, 16));
        }
    }

    @Test
    void anEmptyRangeReturnsZeroWithoutTouchingTheStream() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT); Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(16);
            assertEquals(0, pair.server().read(seg, 16, 0), "nothing there: 0, not WOULD_BLOCK");
            assertEquals(0, pair.client().write(seg, 0, 0));
            assertEquals(1, pair.client().write(seg, 3, 1));
            await(pair.server().handle(), Interest.READABLE);
            assertEquals(0, pair.server().read(seg, 5, 0), "a pending byte stays pending");
            assertEquals(1, pair.server().read(seg, 0, 16));
            pair.client().shutdownOutput();
            await(pair.server().handle(), Interest.READABLE);
            assertEquals(0, pair.server().read(seg, 0, 0), "at end of stream: 0, not END_OF_STREAM");
            assertEquals(TcpStream.END_OF_STREAM, pair.server().read(seg, 0, 16));
            pair.client().close();
            assertThrows(IllegalStateException.class, () -> pair.client().write(seg, 0, 0), "a closed stream still throws");
            assertThrows(IllegalStateException.class, () -> pair.client().read(seg, 0, 0));
        }
    }
}
