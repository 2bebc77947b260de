package dev.rawpoll.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Interest;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.Native;
import dev.rawpoll.linux.Sockets;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.Test;

/** accept (both ways), listener options, and the socket options of a stream. */
@EnabledOnOs(value = OS.LINUX, architectures = {"amd64", "aarch64"}, disabledReason = "rawpoll's TCP sockets (dev.rawpoll.net) exist for Linux x86-64 and aarch64 only so far")
class TcpListenerAndOptionsTest extends LoopbackTest {

    @Test
    void acceptWithNothingPendingReturnsNull() throws IOException {
        try (TcpListener listener = TcpListener.bind(IPV4_ANY_PORT, 4)) {
            assertNull(listener.accept());
        }
    }

    @Test
    void acceptedStreamsAreNonBlockingAndCloseOnExec() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            assertTrue(Sockets.hasAccept4(), "glibc on Linux has accept4");
            assertNonBlockingAndCloseOnExec(pair.server().handle());
            assertNonBlockingAndCloseOnExec(pair.client().handle());
            assertNonBlockingAndCloseOnExec(pair.listener().handle());
        }
    }

    @Test
    void acceptWithoutAccept4SetsTheSameFlags() throws IOException {
        try (TcpListener listener = TcpListener.bind(IPV4_ANY_PORT, 4)) {
            assertNull(listener.acceptWithFcntl(), "nothing pending yet");
            try (TcpStream client = TcpStream.connect(listener.localAddress())) {
                acceptWithFcntl(listener, client);
            }
        }
    }

    private static void acceptWithFcntl(TcpListener listener, TcpStream client) throws IOException {
        await(listener.handle(), Interest.READABLE);
        try (TcpStream server = listener.acceptWithFcntl()) {
            assertNotNull(server);
            assertNonBlockingAndCloseOnExec(server.handle());
            finishConnect(client);
            writeFully(client, new byte[] {7}, 0, 1);
            byte[] b = new byte[1];
            readFully(server, b, 0, 1);
            assertEquals(7, b[0]);
            assertEquals(TcpStream.WOULD_BLOCK, server.read(b, 0, 1));
        }
    }

    private static void assertNonBlockingAndCloseOnExec(long handle) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            int fd = (int) handle;
            int status = Sockets.fcntl(errno, fd, Sockets.F_GETFL, 0);
            int descriptor = Sockets.fcntl(errno, fd, Sockets.F_GETFD, 0);
            assertTrue(status >= 0 && descriptor >= 0, "fcntl failed: errno " + Native.errno(errno));
            assertTrue((status & Sockets.O_NONBLOCK) != 0, "fd " + fd + " is blocking");
            assertTrue((descriptor & Sockets.FD_CLOEXEC) != 0, "fd " + fd + " is not close-on-exec");
        }
    }

    @Test
    void aSecondBindOfTheSamePortFailsWithEaddrinuse() throws IOException {
        try (TcpListener first = TcpListener.bind(IPV4_ANY_PORT, 4)) {
            InetSocketAddress taken = first.localAddress();
            SystemCallException e = assertThrows(SystemCallException.class, () -> TcpListener.bind(taken, 4));
            assertEquals("bind(127.0.0.1:" + taken.getPort() + "): EADDRINUSE (Address already in use)", e.getMessage());
        }
    }

    @Test
    void aSecondListenerWithoutReusePortFailsWithEaddrinuseWhateverItsReuseAddress() throws IOException {
        for (boolean reuseAddress : new boolean[] {true, false}) {
            SocketOptions options = SocketOptions.DEFAULTS.withReuseAddress(reuseAddress);
            try (TcpListener first = TcpListener.bind(IPV4_ANY_PORT, 4, options)) {
                SystemCallException e = assertThrows(SystemCallException.class,
                        () -> TcpListener.bind(first.localAddress(), 4, options));
                assertEquals("EADDRINUSE", e.errnoName(), "reuseAddress=" + reuseAddress + ": " + e.getMessage());
            }
        }
    }

    /**
     * What {@code reuseAddress} is for: a restarted server binds its port while the connection
     * its previous listener accepted (and closed first) waits in TIME_WAIT; without it, EADDRINUSE.
     */
    @Test
    void reuseAddressRebindsAPortWhoseOldConnectionIsInTimeWait() throws IOException {
        InetSocketAddress address;
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            address = pair.listener().localAddress();
            pair.server().shutdownOutput(); // the server's side closes first: its end goes to TIME_WAIT
            await(pair.client().handle(), Interest.READABLE);
            assertEquals(TcpStream.END_OF_STREAM, pair.client().read(new byte[4], 0, 4));
            pair.client().close();
            await(pair.server().handle(), Interest.READABLE);
            assertEquals(TcpStream.END_OF_STREAM, pair.server().read(new byte[4], 0, 4));
        }
        SystemCallException e = assertThrows(SystemCallException.class,
                () -> TcpListener.bind(address, 4, SocketOptions.DEFAULTS.withReuseAddress(false)));
        assertEquals("EADDRINUSE", e.errnoName(), "without SO_REUSEADDR, TIME_WAIT holds the port: " + e.getMessage());
        try (TcpListener again = TcpListener.bind(address, 4)) {
            assertEquals(address, again.localAddress());
        }
    }

    @Test
    void reusePortLetsTwoListenersShareAPort() throws IOException {
        SocketOptions shared = SocketOptions.DEFAULTS.withReusePort(true);
        try (TcpListener first = TcpListener.bind(IPV4_ANY_PORT, 4, shared);
                TcpListener second = TcpListener.bind(first.localAddress(), 4, shared)) {
            assertEquals(first.localAddress(), second.localAddress());
        }
    }

    @Test
    void listenerOptionsReachAcceptedStreams() throws IOException {
        SocketOptions small = SocketOptions.DEFAULTS.withReceiveBufferSize(4096).withSendBufferSize(8192);
        try (Pair pair = Pair.over(TcpListener.bind(IPV4_ANY_PORT, 4, small))) {
            // Linux doubles the requested size for its bookkeeping, and accepted sockets inherit it.
            assertEquals(2 * 4096, pair.server().getReceiveBufferSize());
            assertEquals(2 * 8192, pair.server().getSendBufferSize());
            assertTrue(pair.server().getReuseAddress(), "SO_REUSEADDR is inherited from the listener");
        }
    }

    @Test
    void streamOptionsCanBeSetAndReadBack() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            TcpStream s = pair.client();
            s.setNoDelay(true);
            assertTrue(s.getNoDelay());
            s.setNoDelay(false);
            assertFalse(s.getNoDelay());

            s.setKeepAlive(true);
            assertTrue(s.getKeepAlive());
            s.setKeepAlive(false);
            assertFalse(s.getKeepAlive());

            s.setReceiveBufferSize(4096);
            assertEquals(2 * 4096, s.getReceiveBufferSize(), "Linux doubles SO_RCVBUF");
            s.setSendBufferSize(8192);
            assertEquals(2 * 8192, s.getSendBufferSize(), "Linux doubles SO_SNDBUF");

            s.setReuseAddress(true);
            assertTrue(s.getReuseAddress());
            s.setReuseAddress(false);
            assertFalse(s.getReuseAddress());
            s.setReusePort(true);
            assertTrue(s.getReusePort());
            s.setReusePort(false);
            assertFalse(s.getReusePort());

            assertEquals(-1, s.getLinger(), "lingering is off by default");
            s.setLinger(5);
            assertEquals(5, s.getLinger());
            s.setLinger(0);
            assertEquals(0, s.getLinger());
            s.setLinger(-1);
            assertEquals(-1, s.getLinger());
        }
    }
}
