package dev.rawpoll.net;

import dev.rawpoll.TestSockets;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rawpoll.Interest;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Every read and write of nothing (no segments, empty segments, empty arrays and ranges) returns
 * 0 without a system call, whatever state the stream is in, and a closed stream still throws
 * IllegalStateException (issue 12, input 6: an empty gathering write threw NullPointerException
 * on a fresh stream and returned 0 after a first gathering write).
 */
@EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
class EmptyInputTest extends LoopbackTest {

    @Test
    void anEmptyGatheringWriteOnAFreshStreamReturnsZero() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            assertEquals(0, pair.client().write(new MemorySegment[0], 0, 0), "no segments, before any gathering write");
            assertEquals(0, pair.server().write(new MemorySegment[3], 1, 0), "an empty range of an array of nulls");
        }
    }

    @Test
    void emptyGatheringWritesReturnZeroBeforeAndAfterARealOne() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT); Arena arena = Arena.ofConfined()) {
            MemorySegment empty = arena.allocate(0);
            MemorySegment[] none = new MemorySegment[0];
            assertEquals(0, pair.client().write(new MemorySegment[] {empty, empty}, 0, 2), "only empty segments");
            MemorySegment one = arena.allocate(1);
            one.fill((byte) 42);
            assertEquals(1, pair.client().write(new MemorySegment[] {empty, one, empty}, 0, 3));
            assertEquals(0, pair.client().write(none, 0, 0), "no segments, after a gathering write");
            assertEquals(0, pair.client().write(new MemorySegment[] {empty}, 0, 1));
            byte[] got = new byte[2];
            await(pair.server().handle(), Interest.READABLE);
            assertEquals(1, pair.server().read(got, 0, 2), "exactly the one real byte arrived");
            assertEquals(42, got[0]);
        }
    }

    @Test
    void emptyReadsAndWritesReturnZeroInEveryState() throws IOException {
        try (TcpListener listener = TcpListener.bind(IPV4_ANY_PORT, 4)) {
            // Connecting: the kernel has not finished the handshake (or has, on loopback); either way 0.
            try (TcpStream connecting = TcpStream.connect(listener.localAddress())) {
                assertEmptyCallsReturnZero(connecting);
                await(listener.handle(), Interest.READABLE);
                try (TcpStream server = listener.accept()) {
                    finishConnect(connecting);
                    assertEmptyCallsReturnZero(connecting);
                    assertEmptyCallsReturnZero(server);
                    // A pending byte stays pending: an empty read does not consume it.
                    assertEquals(1, connecting.write(new byte[] {7}, 0, 1));
                    await(server.handle(), Interest.READABLE);
                    assertEmptyCallsReturnZero(server);
                    byte[] b = new byte[1];
                    assertEquals(1, server.read(b, 0, 1));
                    assertArrayEquals(new byte[] {7}, b);
                    // End of stream: an empty read still returns 0, not END_OF_STREAM.
                    connecting.shutdownOutput();
                    await(server.handle(), Interest.READABLE);
                    assertEmptyCallsReturnZero(server);
                    assertEquals(TcpStream.END_OF_STREAM, server.read(b, 0, 1));
                    // After a reset the empty calls still make no system call and report nothing.
                    server.setLinger(0);
                    server.close();
                    await(connecting.handle(), Interest.READABLE);
                    assertEmptyCallsReturnZero(connecting);
                    assertThrows(ConnectionResetException.class, () -> connecting.read(new byte[1], 0, 1));
                }
            }
        }
    }

    @Test
    void emptyCallsOnAClosedStreamThrowIllegalState() throws IOException {
        TcpStream s;
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            s = pair.client();
        }
        assertThrows(IllegalStateException.class, () -> s.read(new byte[0], 0, 0));
        assertThrows(IllegalStateException.class, () -> s.read(MemorySegment.ofArray(new byte[0])));
        assertThrows(IllegalStateException.class, () -> s.write(new byte[0], 0, 0));
        assertThrows(IllegalStateException.class, () -> s.write(MemorySegment.ofArray(new byte[0])));
        assertThrows(IllegalStateException.class, () -> s.write(new MemorySegment[0], 0, 0));
    }

    @Test
    void emptyArgumentsAreStillChecked() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            TcpStream s = pair.client();
            assertThrows(IndexOutOfBoundsException.class, () -> s.write(new MemorySegment[0], 1, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> s.read(new byte[0], 1, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> s.write(new byte[2], 3, 0));
            assertThrows(IllegalArgumentException.class, () -> s.read(MemorySegment.ofArray(new byte[0]).asReadOnly()),
                    "a read-only destination is refused even when empty");
            assertThrows(IllegalArgumentException.class,
                    () -> s.write(new MemorySegment[] {MemorySegment.ofArray(new byte[0])}, 0, 1),
                    "a heap segment in a gathering write is refused even when empty");
        }
    }

    private static void assertEmptyCallsReturnZero(TcpStream s) throws IOException {
        byte[] array = new byte[4];
        assertEquals(0, s.read(new byte[0], 0, 0));
        assertEquals(0, s.read(array, 2, 0));
        assertEquals(0, s.read(array, 4, 0));
        assertEquals(0, s.read(MemorySegment.ofArray(new byte[0])));
        assertEquals(0, s.read(MemorySegment.NULL));
        assertEquals(0, s.write(new byte[0], 0, 0));
        assertEquals(0, s.write(array, 1, 0));
        assertEquals(0, s.write(MemorySegment.ofArray(new byte[0])));
        assertEquals(0, s.write(MemorySegment.NULL));
        assertEquals(0, s.write(new MemorySegment[0], 0, 0));
        assertEquals(0, s.write(new MemorySegment[] {MemorySegment.NULL}, 0, 1));
    }
}
