package dev.rawpoll.windows;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.LeakCheck;
import dev.rawpoll.Poller;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.Native;
import dev.rawpoll.net.BrokenPipeException;
import dev.rawpoll.net.ConnectionRefusedException;
import dev.rawpoll.net.ConnectionResetException;
import dev.rawpoll.net.SocketOptions;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import dev.rawpoll.windows.bindings.sockaddr_in;
import dev.rawpoll.windows.bindings.winsock_h;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the Winsock sockets promise on Windows, on real sockets and the IOCP poller: handles no
 * child process inherits, non-blocking calls, connects finished through the poller, and the
 * WSAGetLastError names in the exceptions. Windows only; here {@link WinsockReferenceTest} runs
 * the same calls in C under Wine. The Windows CI job fails if these were skipped.
 */
@EnabledOnOs(value = OS.WINDOWS, disabledReason = "Winsock: runs on Windows (the GitHub Windows job); "
        + "here WinsockReferenceTest runs the same calls in C under Wine")
@ExtendWith(LeakCheck.class)
class WinsockSocketsTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
    private static final int HANDLE_FLAG_INHERIT = 1;

    /** GetHandleInformation's HANDLE_FLAG_INHERIT bit of {@code handle}. */
    private static int inheritFlag(long handle) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle get = linker.downcallHandle(SymbolLookup.libraryLookup("kernel32", Arena.global())
                .findOrThrow("GetHandleInformation"), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flags = arena.allocate(JAVA_INT);
            assertEquals(1, (int) get.invokeExact(MemorySegment.ofAddress(handle), flags), "GetHandleInformation");
            return flags.get(JAVA_INT, 0) & HANDLE_FLAG_INHERIT;
        }
    }

    private static int await(Poller poller, long handle, int interest) throws IOException {
        Events events = poller.newEvents(4);
        poller.register(handle, interest, 1L);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                if (poller.poll(events, deadline - System.nanoTime(), TimeUnit.NANOSECONDS) > 0 && events.readiness(0) != 0) {
                    return events.readiness(0);
                }
            }
            fail("handle " + handle + " not ready for " + Interest.toString(interest) + " within 10 s");
            return 0;
        } finally {
            poller.deregister(handle);
        }
    }

    private static TcpStream acceptWithin(Poller poller, TcpListener listener) throws IOException {
        await(poller, listener.handle(), Interest.READABLE);
        TcpStream s = listener.accept();
        assertNotNull(s, "a connection was pending");
        return s;
    }

    @Test
    void noSocketIsInheritedAndEveryCallIsNonBlocking() throws Throwable {
        try (Poller poller = Poller.open();
             TcpListener listener = TcpListener.bind(LOOPBACK, 16);
             TcpStream client = TcpStream.connect(listener.localAddress())) {
            assertEquals(0, inheritFlag(listener.handle()), "listener: WSA_FLAG_NO_HANDLE_INHERIT");
            assertEquals(0, inheritFlag(client.handle()), "client");
            try (TcpStream server = acceptWithin(poller, listener)) {
                assertEquals(0, inheritFlag(server.handle()), "accepted: SetHandleInformation after accept");
                assertEquals(TcpStream.WOULD_BLOCK, server.read(new byte[8], 0, 8), "nothing there: would block");
                assertTrue(server.handle() > 0 && server.handle() <= Integer.MAX_VALUE, "a SOCKET as an int: " + server.handle());
            }
        }
    }

    @Test
    void acceptWithNothingPendingReturnsNull() throws Throwable {
        try (TcpListener listener = TcpListener.bind(LOOPBACK, 16)) {
            assertNull(listener.accept(), "WSAEWOULDBLOCK is no exception");
        }
    }

    @Test
    void aConnectFinishesThroughTheIocpPollerAndDataFlows() throws Throwable {
        try (Poller poller = Poller.open();
             TcpListener listener = TcpListener.bind(LOOPBACK, 16);
             TcpStream client = TcpStream.connect(listener.localAddress())) {
            assertEquals("iocp", poller.backend());
            await(poller, client.handle(), Interest.WRITABLE);
            assertTrue(client.finishConnect());
            assertEquals(listener.localAddress(), client.remoteAddress());
            try (TcpStream server = acceptWithin(poller, listener); Arena arena = Arena.ofConfined()) {
                assertEquals(5, client.write("hello".getBytes(), 0, 5));
                await(poller, server.handle(), Interest.READABLE);
                byte[] got = new byte[16];
                assertEquals(5, server.read(got, 0, got.length));
                assertArrayEquals("hello".getBytes(), java.util.Arrays.copyOf(got, 5));
                // A gathering write: WSASend of two WSABUFs.
                MemorySegment a = arena.allocateFrom("abc"), b = arena.allocateFrom("defg"); // with their NULs
                assertEquals(a.byteSize() + b.byteSize(), server.write(new MemorySegment[] {a, b}, 0, 2));
                await(poller, client.handle(), Interest.READABLE);
                assertEquals(9, client.read(got, 0, got.length));
                assertArrayEquals(new byte[] {'a', 'b', 'c', 0, 'd', 'e', 'f', 'g', 0}, java.util.Arrays.copyOf(got, 9));
            }
        }
    }

    @Test
    void aRefusedConnectNamesWsaeconnrefused() throws Throwable {
        InetSocketAddress closed;
        try (TcpListener listener = TcpListener.bind(LOOPBACK, 1)) {
            closed = listener.localAddress();
        }
        try (Poller poller = Poller.open(); TcpStream client = TcpStream.connect(closed)) {
            // Windows retries a refused SYN for about 2 s before it reports the failure.
            await(poller, client.handle(), Interest.WRITABLE);
            ConnectionRefusedException e = assertThrows(ConnectionRefusedException.class, client::finishConnect);
            assertEquals("WSAECONNREFUSED", e.errnoName(), e.getMessage());
            assertTrue(e.getMessage().contains("WSAECONNREFUSED (Connection refused)"), e.getMessage());
        }
    }

    @Test
    void aResetAndASendAfterShutdownNameTheirWsaErrors() throws Throwable {
        try (Poller poller = Poller.open();
             TcpListener listener = TcpListener.bind(LOOPBACK, 16);
             TcpStream client = TcpStream.connect(listener.localAddress())) {
            TcpStream server = acceptWithin(poller, listener);
            server.setLinger(0);
            server.close(); // abortive: RST
            await(poller, client.handle(), Interest.READABLE);
            ConnectionResetException reset = assertThrows(ConnectionResetException.class, () -> client.read(new byte[4], 0, 4));
            assertEquals("WSAECONNRESET", reset.errnoName(), reset.getMessage());
        }
        try (Poller poller = Poller.open();
             TcpListener listener = TcpListener.bind(LOOPBACK, 16);
             TcpStream client = TcpStream.connect(listener.localAddress());
             TcpStream server = acceptWithin(poller, listener)) {
            client.shutdownOutput();
            BrokenPipeException e = assertThrows(BrokenPipeException.class, () -> client.write(new byte[1], 0, 1));
            assertEquals("WSAESHUTDOWN", e.errnoName(), e.getMessage());
            await(poller, server.handle(), Interest.READABLE);
            assertEquals(TcpStream.END_OF_STREAM, server.read(new byte[4], 0, 4));
            // Winsock's recv after shutdown(SD_RECEIVE) fails with WSAESHUTDOWN: read as the end, as on Unix.
            client.shutdownInput();
            assertEquals(TcpStream.END_OF_STREAM, client.read(new byte[4], 0, 4));
        }
    }

    @Test
    void optionsRoundTripAndWindowsLacksSoReuseport() throws Throwable {
        try (Poller poller = Poller.open();
             TcpListener listener = TcpListener.bind(LOOPBACK, 16);
             TcpStream client = TcpStream.connect(listener.localAddress())) {
            client.setNoDelay(true); // getsockopt answers with a one-byte BOOLEAN on some versions
            assertTrue(client.getNoDelay());
            client.setNoDelay(false);
            assertTrue(!client.getNoDelay());
            client.setLinger(7); // two u_shorts
            assertEquals(7, client.getLinger());
            client.setLinger(-1);
            assertEquals(-1, client.getLinger());
            SystemCallException e = assertThrows(SystemCallException.class, () -> client.setReusePort(true));
            assertTrue(e.getMessage().startsWith("setsockopt(fd=" + client.handle() + ", SO_REUSEPORT, 1): WSA"), e.getMessage());
        }
    }

    // ---- listeners: SO_EXCLUSIVEADDRUSE, never Winsock's SO_REUSEADDR ---------------------------

    @ParameterizedTest(name = "reuseAddress={0}")
    @ValueSource(booleans = {true, false})
    void aSecondListenerOnTheSamePortFailsNamingWsaeaddrinuse(boolean reuseAddress) throws Throwable {
        SocketOptions options = SocketOptions.DEFAULTS.withReuseAddress(reuseAddress);
        try (TcpListener first = TcpListener.bind(LOOPBACK, 16, options)) {
            InetSocketAddress taken = first.localAddress();
            // With SO_REUSEADDR on both, as before, Windows let the second bind succeed.
            SystemCallException e = assertThrows(SystemCallException.class, () -> TcpListener.bind(taken, 16, options));
            assertEquals("WSAEADDRINUSE", e.errnoName(), e.getMessage());
            assertTrue(e.getMessage().startsWith("bind(127.0.0.1:" + taken.getPort() + "): WSAEADDRINUSE"), e.getMessage());
            SystemCallException wildcard = assertThrows(SystemCallException.class,
                    () -> TcpListener.bind(new InetSocketAddress("0.0.0.0", taken.getPort()), 16, options));
            assertEquals("WSAEADDRINUSE", wildcard.errnoName(), wildcard.getMessage());
        }
    }

    /** The port hijack of Winsock's SO_REUSEADDR: a socket asking for it cannot bind a listener's port. */
    @Test
    void aSocketWithSoReuseaddrCannotTakeAListenersPort() throws Throwable {
        WinsockSockets raw = WinsockSockets.INSTANCE;
        try (TcpListener listener = TcpListener.bind(LOOPBACK, 16); Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Native.allocateCapture(arena);
            int s = raw.socket(errno, winsock_h.AF_INET(), winsock_h.SOCK_STREAM(), 0);
            assertTrue(s > 0, () -> "WSASocketW: " + WinsockErrors.name(Native.errno(errno)));
            try {
                MemorySegment one = arena.allocate(JAVA_INT);
                one.set(JAVA_INT, 0, 1);
                assertEquals(0, raw.setsockopt(errno, s, winsock_h.SOL_SOCKET(), winsock_h.SO_REUSEADDR(), one, 4));
                MemorySegment at = arena.allocate(sockaddr_in.layout());
                sockaddr_in.sin_family(at, (short) winsock_h.AF_INET());
                sockaddr_in.sin_port(at, Short.reverseBytes((short) listener.localAddress().getPort()));
                at.asSlice(sockaddr_in.sin_addr$offset(), 4).copyFrom(MemorySegment.ofArray(new byte[] {127, 0, 0, 1}));
                assertEquals(-1, raw.bind(errno, s, at, (int) sockaddr_in.sizeof()), "the port was taken");
                assertEquals("WSAEACCES", WinsockErrors.name(Native.errno(errno)));
            } finally {
                assertEquals(0, raw.close(errno, s));
            }
        }
    }

    /**
     * Why a Windows listener needs no SO_REUSEADDR: a restarted server binds its port while the
     * connection its previous listener accepted (and closed first) waits in TIME_WAIT.
     */
    @ParameterizedTest(name = "reuseAddress={0}")
    @ValueSource(booleans = {true, false})
    void aListenerRebindsItsPortWhileItsOldConnectionIsInTimeWait(boolean reuseAddress) throws Throwable {
        SocketOptions options = SocketOptions.DEFAULTS.withReuseAddress(reuseAddress);
        InetSocketAddress address;
        try (Poller poller = Poller.open();
             TcpListener listener = TcpListener.bind(LOOPBACK, 16, options);
             TcpStream client = TcpStream.connect(listener.localAddress());
             TcpStream server = acceptWithin(poller, listener)) {
            address = listener.localAddress();
            server.shutdownOutput(); // the server's side closes first: its end goes to TIME_WAIT
            await(poller, client.handle(), Interest.READABLE);
            assertEquals(TcpStream.END_OF_STREAM, client.read(new byte[4], 0, 4));
            client.close();
            await(poller, server.handle(), Interest.READABLE);
            assertEquals(TcpStream.END_OF_STREAM, server.read(new byte[4], 0, 4));
        }
        try (TcpListener again = TcpListener.bind(address, 16, options)) {
            assertEquals(address, again.localAddress());
        }
    }
}
