package dev.rawpoll.windows;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.HashSet;
import java.util.Set;

/**
 * Test-only Winsock: loopback TCP connections and the calls that make them ready, linked straight
 * from ws2_32 (independently of the library under test). Windows only: nothing loads this class
 * elsewhere. Values are those of the SDK's winsock2.h (AF_INET 2, SOCK_STREAM 1, ...).
 */
final class WinSockets {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup WS2_32 = SymbolLookup.libraryLookup("ws2_32", Arena.global());
    private static final int AF_INET = 2;
    private static final int SOCK_STREAM = 1;
    private static final int IPPROTO_TCP = 6;
    private static final int SD_SEND = 1;
    private static final int SOL_SOCKET = 0xffff;
    private static final int SO_LINGER = 0x0080;
    private static final int FIONBIO = 0x8004667E;
    private static final long INVALID_SOCKET = -1L;

    private static final MethodHandle WSA_STARTUP = link("WSAStartup", FunctionDescriptor.of(JAVA_INT, JAVA_SHORT, ADDRESS));
    private static final MethodHandle SOCKET = link("socket", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = link("bind", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = link("listen", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = link("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    private static final MethodHandle CONNECT = link("connect", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT));
    private static final MethodHandle ACCEPT = link("accept", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS));
    private static final MethodHandle SEND = link("send", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle RECV = link("recv", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle SHUTDOWN = link("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSESOCKET = link("closesocket", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle IOCTLSOCKET = link("ioctlsocket", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle SETSOCKOPT = link("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    static {
        try (Arena arena = Arena.ofConfined()) {
            check((int) WSA_STARTUP.invokeExact((short) 0x0202, arena.allocate(512)) == 0, "WSAStartup");
        } catch (Throwable t) {
            throw new ExceptionInInitializerError(t);
        }
    }

    /** Sockets made here and not yet closed: a SOCKET value is reused at once, so never close twice. */
    private static final Set<Long> OPEN = new HashSet<>();

    private WinSockets() {}

    private static synchronized long opened(long s) {
        OPEN.add(s);
        return s;
    }

    private static MethodHandle link(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(WS2_32.findOrThrow(name), descriptor);
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what + " failed");
    }

    /** A listening loopback socket and its address. */
    record Listener(long socket, MemorySegment address) implements AutoCloseable {
        @Override
        public void close() {
            WinSockets.close(socket);
        }
    }

    /** Both ends of a loopback TCP connection, non-blocking. */
    record Pair(long client, long server) implements AutoCloseable {
        @Override
        public void close() {
            WinSockets.close(client);
            WinSockets.close(server);
        }
    }

    static Listener listener() {
        try {
            long s = (long) SOCKET.invokeExact(AF_INET, SOCK_STREAM, IPPROTO_TCP);
            check(s != INVALID_SOCKET, "socket");
            opened(s);
            MemorySegment address = Arena.global().allocate(16);
            address.set(JAVA_SHORT, 0, (short) AF_INET);
            address.set(JAVA_BYTE, 4, (byte) 127);
            address.set(JAVA_BYTE, 7, (byte) 1);
            check((int) BIND.invokeExact(s, address, 16) == 0, "bind");
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment length = arena.allocateFrom(JAVA_INT, 16);
                check((int) GETSOCKNAME.invokeExact(s, address, length) == 0, "getsockname");
            }
            check((int) LISTEN.invokeExact(s, 8) == 0, "listen");
            return new Listener(s, address);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static long connect(Listener listener) {
        try {
            long s = (long) SOCKET.invokeExact(AF_INET, SOCK_STREAM, IPPROTO_TCP);
            check(s != INVALID_SOCKET, "socket");
            opened(s);
            check((int) CONNECT.invokeExact(s, listener.address(), 16) == 0, "connect");
            return s;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static long accept(Listener listener) {
        try {
            long s = (long) ACCEPT.invokeExact(listener.socket(), MemorySegment.NULL, MemorySegment.NULL);
            check(s != INVALID_SOCKET, "accept");
            return opened(s);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static Pair pair() {
        try (Listener l = listener()) {
            long client = connect(l);
            long server = accept(l);
            nonBlocking(client);
            nonBlocking(server);
            return new Pair(client, server);
        }
    }

    static void nonBlocking(long s) {
        try (Arena arena = Arena.ofConfined()) {
            check((int) IOCTLSOCKET.invokeExact(s, FIONBIO, arena.allocateFrom(JAVA_INT, 1)) == 0, "ioctlsocket(FIONBIO)");
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static void send(long s, int bytes) {
        try (Arena arena = Arena.ofConfined()) {
            check((int) SEND.invokeExact(s, arena.allocate(bytes), bytes, 0) == bytes, "send");
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Reads what is there (up to 64 KiB); the count, 0 at end of stream, -1 if it would block. */
    static int recv(long s) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) RECV.invokeExact(s, arena.allocate(65536), 65536, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static void shutdownOutput(long s) {
        try {
            check((int) SHUTDOWN.invokeExact(s, SD_SEND) == 0, "shutdown");
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Closes with a zero linger time: the peer gets a reset. */
    static void reset(long s) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment linger = arena.allocate(4);
            linger.set(JAVA_SHORT, 0, (short) 1);
            check((int) SETSOCKOPT.invokeExact(s, SOL_SOCKET, SO_LINGER, linger, 4) == 0, "setsockopt(SO_LINGER)");
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        close(s);
    }

    static void close(long s) {
        synchronized (WinSockets.class) {
            if (!OPEN.remove(s)) return;
        }
        try {
            check((int) CLOSESOCKET.invokeExact(s) == 0, "closesocket");
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
