package dev.rawpoll.net;

import dev.rawpoll.TestSockets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rawpoll.Interest;
import dev.rawpoll.SystemCallException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.Set;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.Test;

/** Refused, reset, broken pipe, closed objects and bad arguments give the documented results. */
@EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
class TcpErrorsTest extends LoopbackTest {

    @Test
    @DisabledOnOs(value = OS.WINDOWS, disabledReason = "asserts the Unix errno names; WinsockSocketsTest asserts the WSA names of the same cases")
    void connectToAClosedPortIsRefused() throws IOException {
        InetSocketAddress nobodyListens;
        try (TcpListener listener = TcpListener.bind(IPV4_ANY_PORT, 1)) {
            nobodyListens = listener.localAddress();
        }
        String expected = "connect(127.0.0.1:" + nobodyListens.getPort() + "): ECONNREFUSED (Connection refused)";
        TcpStream client;
        try {
            client = TcpStream.connect(nobodyListens);
        } catch (ConnectionRefusedException refusedAtOnce) {
            assertEquals(expected, refusedAtOnce.getMessage());
            return;
        }
        try (client) {
            ConnectionRefusedException e = assertThrows(ConnectionRefusedException.class, () -> finishConnect(client));
            assertEquals(expected, e.getMessage());
            assertEquals("ECONNREFUSED", e.errnoName());
            assertEquals("connect(127.0.0.1:" + nobodyListens.getPort() + ")", e.call());
            assertThrows(ConnectionRefusedException.class, client::finishConnect, "every later call reports it too");
        }
    }

    @Test
    @DisabledOnOs(value = OS.WINDOWS, disabledReason = "asserts the Unix errno names; WinsockSocketsTest asserts the WSA names of the same cases")
    void readAfterThePeerResetThrowsConnectionReset() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            pair.server().setLinger(0);
            pair.server().close(); // SO_LINGER 0: close sends RST
            await(pair.client().handle(), Interest.READABLE);
            long fd = pair.client().handle();
            ConnectionResetException e = assertThrows(ConnectionResetException.class,
                    () -> pair.client().read(new byte[8], 0, 8));
            assertEquals("recv(fd=" + fd + "): ECONNRESET (Connection reset by peer)", e.getMessage());
        }
    }

    @Test
    @DisabledOnOs(value = OS.WINDOWS, disabledReason = "asserts the Unix errno names; WinsockSocketsTest asserts the WSA names of the same cases")
    void writeAfterThePeerClosedThrowsNeverSignals() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            pair.server().close();
            byte[] b = {1, 2, 3};
            // The first write reaches a closed socket, whose kernel answers with RST.
            SystemCallException first = null;
            for (int attempt = 0; attempt < 10 && first == null; attempt++) {
                try {
                    int n = pair.client().write(b, 0, 3);
                    assertTrue(n == 3 || n == TcpStream.WOULD_BLOCK, "wrote " + n);
                    await(pair.client().handle(), Interest.READABLE); // the RST makes it readable
                } catch (SystemCallException e) {
                    first = e;
                }
            }
            if (first == null) {
                fail("ten writes to a closed peer all succeeded");
            }
            assertTrue(Set.of("ECONNRESET", "EPIPE").contains(first.errnoName()), first.getMessage());
            assertTrue(first instanceof ConnectionResetException || first instanceof BrokenPipeException, first.getClass().getName());
            // Once the reset is reported the sending side is gone for good: EPIPE, and no SIGPIPE (MSG_NOSIGNAL).
            long fd = pair.client().handle();
            BrokenPipeException then = assertThrows(BrokenPipeException.class, () -> pair.client().write(b, 0, 3));
            assertEquals("send(fd=" + fd + "): EPIPE (Broken pipe)", then.getMessage());
        }
    }

    @Test
    @DisabledOnOs(value = OS.WINDOWS, disabledReason = "asserts the Unix errno names; WinsockSocketsTest asserts the WSA names of the same cases")
    void peerClosingDuringAWriteGivesResetOrBrokenPipe() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT); Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(64 * 1024);
            long total = 0;
            int n;
            while ((n = pair.client().write(chunk)) != TcpStream.WOULD_BLOCK) {
                total += n;
            }
            assertTrue(total > 0);
            // The server closes with our data unread: that resets the connection.
            pair.server().close();
            int readiness = await(pair.client().handle(), Interest.WRITABLE);
            assertTrue(readiness != 0);
            SystemCallException e = assertThrows(SystemCallException.class, () -> {
                while (true) {
                    if (pair.client().write(chunk) == TcpStream.WOULD_BLOCK) {
                        await(pair.client().handle(), Interest.WRITABLE);
                    }
                }
            });
            assertTrue(Set.of("ECONNRESET", "EPIPE").contains(e.errnoName()), e.getMessage());
        }
    }

    @Test
    void closedStreamsAndListenersThrowIllegalState() throws IOException {
        Pair pair = Pair.connect(IPV4_ANY_PORT);
        pair.close();
        pair.close(); // idempotent
        TcpStream s = pair.client();
        assertFalse(s.isOpen());
        assertEquals("TcpStream[closed]", s.toString());
        assertThrows(IllegalStateException.class, () -> s.read(new byte[1], 0, 1));
        assertThrows(IllegalStateException.class, () -> s.write(new byte[1], 0, 1));
        assertThrows(IllegalStateException.class, () -> s.read(MemorySegment.ofArray(new byte[1])));
        assertThrows(IllegalStateException.class, s::handle);
        assertThrows(IllegalStateException.class, s::finishConnect);
        assertThrows(IllegalStateException.class, s::remoteAddress);
        assertThrows(IllegalStateException.class, s::shutdownOutput);
        assertThrows(IllegalStateException.class, () -> s.setNoDelay(true));
        assertFalse(pair.listener().isOpen());
        assertThrows(IllegalStateException.class, pair.listener()::accept);
        assertThrows(IllegalStateException.class, pair.listener()::localAddress);
    }

    @Test
    void badArgumentsAreRejected() throws IOException {
        InetSocketAddress unresolved = InetSocketAddress.createUnresolved("localhost", 80);
        assertThrows(IllegalArgumentException.class, () -> TcpStream.connect(unresolved));
        assertThrows(IllegalArgumentException.class, () -> TcpListener.bind(unresolved, 1));
        assertThrows(IllegalArgumentException.class, () -> TcpListener.bind(IPV4_ANY_PORT, 0));
        assertThrows(IllegalArgumentException.class, () -> TcpListener.bind(IPV4_ANY_PORT, 1, null));
        assertThrows(IllegalArgumentException.class, () -> SocketOptions.DEFAULTS.withReceiveBufferSize(-1));
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            TcpStream s = pair.client();
            assertThrows(IllegalArgumentException.class, () -> s.read(MemorySegment.ofArray(new byte[4]).asReadOnly()));
            assertThrows(IndexOutOfBoundsException.class, () -> s.read(new byte[4], 2, 3));
            assertThrows(IndexOutOfBoundsException.class, () -> s.write(new byte[4], -1, 1));
            assertThrows(IllegalArgumentException.class, () -> s.setReceiveBufferSize(0));
        }
    }
}
