package dev.rawpoll.net;

import dev.rawpoll.TestSockets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Interest;
import dev.rawpoll.Readiness;
import dev.rawpoll.SystemCallException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.condition.OS;

/**
 * TCP urgent data (issue 18, 2): the urgent byte is read apart with MSG_OOB or inline with
 * SO_OOBINLINE, normal reads stop at the mark, SIOCATMARK finds it; every "nothing there" case
 * has its documented value.
 */
@EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "urgent data is not supported on Windows: Winsock's SIOCATMARK "
        + "answers whether urgent data is waiting, not whether the read position is at the mark (docs/sockets.md)")
class UrgentDataTest extends LoopbackTest {

    @Test
    void theUrgentByteIsReadApartAndSkippedByTheStream() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            TcpStream client = pair.client();
            TcpStream server = pair.server();
            assertEquals(UrgentData.NONE, server.urgentData().read(), "nothing urgent on a fresh connection");
            writeFully(client, ascii("ab"), 0, 2);
            assertEquals(1, client.urgentData().send((byte) 0xF2)); // telnet's "data mark" byte, above 127
            writeFully(client, ascii("cd"), 0, 2);

            assertEquals(0xF2, awaitUrgentByte(server), "the byte comes back unsigned");
            assertEquals(UrgentData.NONE, server.urgentData().read(), "read once: gone");
            assertEquals("ab", readUpTo(server, 10), "a normal read stops just before the mark");
            assertTrue(server.urgentData().atMark());
            assertEquals("cd", readUpTo(server, 10), "and then goes on without the urgent byte");
            assertFalse(server.urgentData().atMark());
        }
    }

    @Test
    void aLoneUrgentByteMakesThePeerPriorityReadyNotReadable() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            assertEquals(1, pair.client().urgentData().send((byte) 'u'));
            int readiness = await(pair.server().handle(), Interest.READABLE | Interest.PRIORITY);
            assertEquals(Readiness.PRIORITY, readiness & (Readiness.PRIORITY | Readiness.READABLE),
                    () -> "a lone urgent byte is not stream data: " + Readiness.toString(readiness));
            assertEquals('u', pair.server().urgentData().read());
            assertEquals(TcpStream.WOULD_BLOCK, pair.server().read(new byte[1], 0, 1), "nothing in the stream");
        }
    }

    @Test
    void inlineTheUrgentByteStaysInTheStream() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            TcpStream server = pair.server();
            UrgentData urgent = server.urgentData();
            assertFalse(urgent.isInline(), "off by default, as in java.net");
            urgent.setInline(true);
            assertTrue(urgent.isInline());
            writeFully(pair.client(), ascii("ab"), 0, 2);
            assertEquals(1, pair.client().urgentData().send((byte) '!'));
            writeFully(pair.client(), ascii("cd"), 0, 2);
            await(server.handle(), Interest.READABLE);
            assertEquals("ab", readUpTo(server, 10), "a normal read stops before the mark inline too");
            assertTrue(urgent.atMark(), "the next byte is the urgent one");
            assertEquals(UrgentData.NONE, urgent.read(), "inline: EINVAL, never the byte");
            StringBuilder rest = new StringBuilder();
            while (rest.length() < 3) {
                rest.append(readUpTo(server, 10));
            }
            assertEquals("!cd", rest.toString());
        }
    }

    @Test
    void aNewerUrgentByteReplacesAnUnreadOne() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            assertEquals(1, pair.client().urgentData().send((byte) 'x'));
            assertEquals(1, pair.client().urgentData().send((byte) 'y'));
            assertEquals('y', awaitUrgentByte(pair.server()));
            assertEquals(UrgentData.NONE, pair.server().urgentData().read());
            // x was the next byte of the stream when y's mark came: Linux skipped it.
            assertEquals(TcpStream.WOULD_BLOCK, pair.server().read(new byte[4], 0, 4));
        }
    }

    @Test
    void aSupersededUrgentByteAfterDataStaysInTheStream() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            writeFully(pair.client(), ascii("ab"), 0, 2);
            assertEquals(1, pair.client().urgentData().send((byte) 'x'));
            writeFully(pair.client(), ascii("cd"), 0, 2);
            assertEquals(1, pair.client().urgentData().send((byte) 'y'));
            writeFully(pair.client(), ascii("ef"), 0, 2);
            assertEquals('y', awaitUrgentByte(pair.server()));
            StringBuilder stream = new StringBuilder();
            while (stream.length() < 7) {
                stream.append(readUpTo(pair.server(), 20));
            }
            assertEquals("abxcdef", stream.toString(), "x is ordinary data now; y was taken out");
        }
    }

    @Test
    void urgentCallsOnClosedOrGoneStreams() throws IOException {
        Pair pair = Pair.connect(IPV4_ANY_PORT);
        UrgentData urgent = pair.client().urgentData();
        assertSame(urgent, pair.client().urgentData(), "one per stream");
        pair.server().setLinger(0);
        pair.server().close(); // RST
        await(pair.client().handle(), Interest.READABLE);
        SystemCallException e = assertThrows(SystemCallException.class, () -> {
            for (int i = 0; i < 10; i++) {
                urgent.send((byte) 1);
            }
        });
        assertTrue(Set.of("ECONNRESET", "EPIPE").contains(e.errnoName()), e.getMessage());
        assertTrue(e.call().startsWith("send(fd=") && e.call().endsWith(", MSG_OOB)"), e.call());
        pair.close();
        assertThrows(IllegalStateException.class, urgent::read);
        assertThrows(IllegalStateException.class, () -> urgent.send((byte) 1));
        assertThrows(IllegalStateException.class, urgent::atMark);
        assertThrows(IllegalStateException.class, () -> urgent.setInline(true));
        assertThrows(IllegalStateException.class, pair.client()::urgentData);
    }

    /** Waits for priority readiness (EPOLLPRI: the urgent byte is there), then reads the byte. */
    private static int awaitUrgentByte(TcpStream stream) throws IOException {
        int readiness = await(stream.handle(), Interest.PRIORITY);
        assertTrue((readiness & Readiness.PRIORITY) != 0, () -> Readiness.toString(readiness));
        int b = stream.urgentData().read();
        assertTrue(b >= 0, "priority-ready, yet read() gave " + b);
        return b;
    }

    /** One read of at most {@code max} bytes, waiting for readiness first. */
    private static String readUpTo(TcpStream stream, int max) throws IOException {
        byte[] b = new byte[max];
        int n;
        while ((n = stream.read(b, 0, max)) == TcpStream.WOULD_BLOCK) {
            await(stream.handle(), Interest.READABLE);
        }
        assertTrue(n > 0, "read gave " + n);
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
