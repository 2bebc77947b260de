package dev.rawpoll.net;

import dev.rawpoll.TestSockets;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Interest;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.Test;

/** Round trips, would-block, end of stream and half-close, addresses: over real loopback TCP. */
@EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
class TcpStreamTest extends LoopbackTest {

    @Test
    void byteArraysRoundTripOverIpv4() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            roundTripWithByteArrays(pair);
        }
    }

    @Test
    void byteArraysRoundTripOverIpv6() throws IOException {
        try (Pair pair = Pair.over(bindIpv6Loopback())) {
            assertInstanceOf(Inet6Address.class, pair.server().remoteAddress().getAddress());
            roundTripWithByteArrays(pair);
        }
    }

    private static void roundTripWithByteArrays(Pair pair) throws IOException {
        byte[] ping = "ping from the client".getBytes(StandardCharsets.US_ASCII);
        byte[] padded = new byte[ping.length + 10];
        System.arraycopy(ping, 0, padded, 5, ping.length);
        writeFully(pair.client(), padded, 5, ping.length); // an offset into the array

        byte[] received = new byte[ping.length + 4];
        readFully(pair.server(), received, 2, ping.length);
        assertEquals("ping from the client", new String(received, 2, ping.length, StandardCharsets.US_ASCII));
        assertEquals(0, received[0] | received[1] | received[ping.length + 2] | received[ping.length + 3],
                "bytes outside the range were written");

        byte[] pong = "pong".getBytes(StandardCharsets.US_ASCII);
        writeFully(pair.server(), pong, 0, pong.length);
        byte[] back = new byte[4];
        readFully(pair.client(), back, 0, 4);
        assertArrayEquals(pong, back);
    }

    @Test
    void nativeAndHeapSegmentsRoundTrip() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT); Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocateFrom("native segment", StandardCharsets.US_ASCII);
            long size = out.byteSize();
            assertEquals(size, pair.client().write(out), "a small write on an empty socket is written whole");

            MemorySegment in = arena.allocate(64);
            await(pair.server().handle(), Interest.READABLE);
            int n = pair.server().read(in);
            assertEquals(size, n);
            assertEquals("native segment", in.getString(0, StandardCharsets.US_ASCII));

            MemorySegment heapOut = MemorySegment.ofArray("heap segment".getBytes(StandardCharsets.US_ASCII));
            assertEquals(12, pair.server().write(heapOut));
            byte[] heapIn = new byte[32];
            await(pair.client().handle(), Interest.READABLE);
            assertEquals(12, pair.client().read(MemorySegment.ofArray(heapIn).asSlice(3)));
            assertEquals("heap segment", new String(heapIn, 3, 12, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void megabytesArriveIntactThroughPartialWritesAndWouldBlock() throws IOException {
        byte[] data = new byte[4 << 20];
        new Random(42).nextBytes(data);
        byte[] received = new byte[data.length];
        try (Pair pair = Pair.connect(IPV4_ANY_PORT); Arena arena = Arena.ofConfined()) {
            TcpStream client = pair.client();
            TcpStream server = pair.server();
            // Small buffers, so that the writer has to wait for the reader many times.
            client.setSendBufferSize(16 * 1024);
            server.setReceiveBufferSize(16 * 1024);
            MemorySegment buffer = arena.allocate(100_000);
            int written = 0;
            int read = 0;
            boolean sawWouldBlock = false;
            while (written < data.length && !sawWouldBlock) { // fill the buffers first
                int n = client.write(data, written, data.length - written);
                if (n == TcpStream.WOULD_BLOCK) {
                    sawWouldBlock = true;
                } else {
                    written += n;
                }
            }
            while (read < data.length) {
                if (written < data.length) {
                    int n = client.write(data, written, data.length - written);
                    if (n == TcpStream.WOULD_BLOCK) {
                        sawWouldBlock = true;
                    } else {
                        written += n;
                    }
                }
                int n = server.read(buffer);
                if (n > 0) {
                    MemorySegment.copy(buffer, JAVA_BYTE, 0, received, read, n);
                    read += n;
                } else if (n == TcpStream.WOULD_BLOCK) {
                    // All in flight has been read: wait for the writer's room, or for the rest.
                    if (written < data.length) {
                        await(client.handle(), Interest.WRITABLE);
                    } else {
                        await(server.handle(), Interest.READABLE);
                    }
                } else {
                    throw new AssertionError("end of stream after " + read + " bytes");
                }
            }
            assertTrue(sawWouldBlock, "4 MiB written without reading should have filled 16 KiB socket buffers");
        }
        assertArrayEquals(data, received);
    }

    @Test
    void gatheringWriteSendsSegmentsInOrder() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT); Arena arena = Arena.ofConfined()) {
            MemorySegment[] parts = {
                arena.allocate(0), // skipped
                arena.allocateFrom("head", StandardCharsets.US_ASCII).asSlice(0, 4),
                arena.allocate(0),
                arena.allocateFrom("-body-", StandardCharsets.US_ASCII).asSlice(0, 6),
                arena.allocateFrom("tail", StandardCharsets.US_ASCII).asSlice(0, 4),
            };
            assertEquals(14, pair.client().write(parts, 1, 4));
            byte[] b = new byte[14];
            readFully(pair.server(), b, 0, 14);
            assertEquals("head-body-tail", new String(b, StandardCharsets.US_ASCII));
            assertEquals(0, pair.client().write(parts, 0, 1), "only empty segments");
            assertEquals(0, pair.client().write(parts, 2, 0), "no segments");
        }
    }

    @Test
    void gatheringWritesOfManySegmentsArriveIntact() throws IOException {
        int segments = 300; // more than the first iovec block, so it grows
        int each = 1000;
        byte[] data = new byte[segments * each];
        new Random(7).nextBytes(data);
        byte[] received = new byte[data.length];
        try (Pair pair = Pair.connect(IPV4_ANY_PORT); Arena arena = Arena.ofConfined()) {
            pair.client().setSendBufferSize(16 * 1024);
            MemorySegment all = arena.allocate(data.length);
            MemorySegment.copy(data, 0, all, JAVA_BYTE, 0, data.length);
            int first = 0;
            long skip = 0; // bytes of srcs[first] already written
            int read = 0;
            while (read < data.length) {
                if (first < segments) {
                    MemorySegment[] srcs = new MemorySegment[segments - first];
                    for (int i = 0; i < srcs.length; i++) {
                        srcs[i] = all.asSlice((long) (first + i) * each, each);
                    }
                    srcs[0] = srcs[0].asSlice(skip);
                    long n = pair.client().write(srcs, 0, srcs.length);
                    if (n > 0) {
                        long consumed = skip + n;
                        first += (int) (consumed / each);
                        skip = consumed % each;
                    }
                }
                int n = pair.server().read(received, read, data.length - read);
                if (n > 0) {
                    read += n;
                } else if (n == TcpStream.WOULD_BLOCK) {
                    if (first < segments) {
                        await(pair.client().handle(), Interest.WRITABLE);
                    } else {
                        await(pair.server().handle(), Interest.READABLE);
                    }
                } else {
                    throw new AssertionError("end of stream after " + read + " bytes");
                }
            }
        }
        assertArrayEquals(data, received);
    }

    @Test
    void gatheringWriteRefusesHeapSegments() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            MemorySegment[] srcs = {MemorySegment.ofArray(new byte[4])};
            assertThrows(IllegalArgumentException.class, () -> pair.client().write(srcs, 0, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> pair.client().write(srcs, 1, 1));
            assertThrows(IllegalArgumentException.class, () -> pair.client().write(new MemorySegment[1025], 0, 1025));
        }
    }

    @Test
    void readOfAnEmptySocketWouldBlock() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT); Arena arena = Arena.ofConfined()) {
            assertEquals(TcpStream.WOULD_BLOCK, pair.server().read(new byte[16], 0, 16));
            assertEquals(TcpStream.WOULD_BLOCK, pair.client().read(arena.allocate(16)));
            assertEquals(0, pair.client().read(new byte[16], 3, 0), "an empty range reads nothing");
        }
    }

    @Test
    void shutdownOutputEndsTheStreamOneWayOnly() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            pair.client().shutdownOutput();
            await(pair.server().handle(), Interest.READABLE);
            byte[] b = new byte[8];
            assertEquals(TcpStream.END_OF_STREAM, pair.server().read(b, 0, 8));
            assertEquals(TcpStream.END_OF_STREAM, pair.server().read(b, 0, 8), "end of stream stays");

            // The other direction still works.
            writeFully(pair.server(), "late".getBytes(StandardCharsets.US_ASCII), 0, 4);
            readFully(pair.client(), b, 0, 4);
            assertEquals("late", new String(b, 0, 4, StandardCharsets.US_ASCII));

            pair.server().shutdownOutput();
            await(pair.client().handle(), Interest.READABLE);
            assertEquals(TcpStream.END_OF_STREAM, pair.client().read(b, 0, 8));
        }
    }

    @Test
    void shutdownInputMakesReadsEndOfStream() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            pair.server().shutdownInput();
            assertEquals(TcpStream.END_OF_STREAM, pair.server().read(new byte[4], 0, 4));
        }
    }

    @Test
    void addressesOfBothEnds() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            InetSocketAddress listening = pair.listener().localAddress();
            assertEquals(IPV4_ANY_PORT.getAddress(), listening.getAddress());
            assertNotEquals(0, listening.getPort(), "port 0 binds an ephemeral port");
            assertEquals(listening, pair.client().remoteAddress());
            assertEquals(listening, pair.server().localAddress());
            assertEquals(pair.client().localAddress(), pair.server().remoteAddress());
            assertNotEquals(listening.getPort(), pair.client().localAddress().getPort());
        }
    }

    @Test
    void ipv6AddressesOfBothEnds() throws IOException {
        try (Pair pair = Pair.over(bindIpv6Loopback())) {
            InetSocketAddress listening = pair.listener().localAddress();
            assertTrue(listening.getAddress().isLoopbackAddress() && listening.getAddress() instanceof Inet6Address, listening.toString());
            assertEquals(listening, pair.server().localAddress());
            assertEquals(pair.client().localAddress(), pair.server().remoteAddress());
        }
    }

    @Test
    void acceptedStreamIsConnectedAtOnce() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            assertTrue(pair.server().finishConnect());
            assertTrue(pair.client().finishConnect(), "stays true");
        }
    }
}
