package dev.rawpoll;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.invoke.MethodType.methodType;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Locale;

/**
 * Loopback TCP connections for the contract suite and the socket tests, one implementation for
 * Linux, macOS/BSD and Windows: the BSD socket calls are linked from libc, or from ws2_32 on
 * Windows (independently of the library under test), and cast to one Java type each, so that the
 * same code runs here and in the Windows CI job. The differences are in the linking only: a
 * {@code SOCKET} is 64 bits where a descriptor is an {@code int}; {@code send}/{@code recv} take
 * and return {@code int} on Windows, {@code size_t}/{@code ssize_t} elsewhere; {@code closesocket}
 * and {@code ioctlsocket(FIONBIO)} stand for {@code close} and {@code fcntl(O_NONBLOCK)}; the
 * BSDs' {@code sockaddr_in} starts with a length byte. Constants are those of Linux's headers,
 * the BSDs' and winsock2.h.
 */
public final class LoopbackTcp implements TestHandles {
    public static final LoopbackTcp INSTANCE = new LoopbackTcp();

    private static final String OS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    static final boolean WINDOWS = OS.startsWith("windows");
    private static final boolean LINUX = OS.startsWith("linux");
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBRARY =
            WINDOWS ? SymbolLookup.libraryLookup("ws2_32", Arena.global()) : LINKER.defaultLookup();
    /** The C type of a socket: SOCKET (UINT_PTR) on Windows, int elsewhere. */
    private static final ValueLayout SOCKET_T = WINDOWS ? JAVA_LONG : JAVA_INT;
    /** The length and result of send/recv: int on Windows, size_t/ssize_t elsewhere. */
    private static final ValueLayout SIZE_T = WINDOWS ? JAVA_INT : JAVA_LONG;

    private static final int AF_INET = 2;
    private static final int SOCK_STREAM = 1;
    private static final int SHUT_WR = 1; // SD_SEND on Windows
    private static final int SOL_SOCKET = LINUX ? 1 : 0xffff;
    private static final int SO_LINGER = LINUX ? 13 : 0x0080;
    private static final int MSG_NOSIGNAL = LINUX ? 0x4000 : 0;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int O_NONBLOCK = LINUX ? 04000 : 0x4;
    private static final int FIONBIO = 0x8004667E;

    private static final MethodHandle SOCKET =
            link("socket", methodType(long.class, int.class, int.class, int.class), SOCKET_T, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle BIND =
            link("bind", methodType(int.class, long.class, MemorySegment.class, int.class), JAVA_INT, SOCKET_T, ADDRESS, JAVA_INT);
    private static final MethodHandle LISTEN = link("listen", methodType(int.class, long.class, int.class), JAVA_INT, SOCKET_T, JAVA_INT);
    private static final MethodHandle GETSOCKNAME = link("getsockname",
            methodType(int.class, long.class, MemorySegment.class, MemorySegment.class), JAVA_INT, SOCKET_T, ADDRESS, ADDRESS);
    private static final MethodHandle CONNECT = link("connect",
            methodType(int.class, long.class, MemorySegment.class, int.class), JAVA_INT, SOCKET_T, ADDRESS, JAVA_INT);
    private static final MethodHandle ACCEPT = link("accept",
            methodType(long.class, long.class, MemorySegment.class, MemorySegment.class), SOCKET_T, SOCKET_T, ADDRESS, ADDRESS);
    private static final MethodHandle SEND = link("send",
            methodType(long.class, long.class, MemorySegment.class, long.class, int.class), SIZE_T, SOCKET_T, ADDRESS, SIZE_T, JAVA_INT);
    private static final MethodHandle RECV = link("recv",
            methodType(long.class, long.class, MemorySegment.class, long.class, int.class), SIZE_T, SOCKET_T, ADDRESS, SIZE_T, JAVA_INT);
    private static final MethodHandle SHUTDOWN = link("shutdown", methodType(int.class, long.class, int.class), JAVA_INT, SOCKET_T, JAVA_INT);
    private static final MethodHandle CLOSE = link(WINDOWS ? "closesocket" : "close", methodType(int.class, long.class), JAVA_INT, SOCKET_T);
    private static final MethodHandle SETSOCKOPT = link("setsockopt",
            methodType(int.class, long.class, int.class, int.class, MemorySegment.class, int.class),
            JAVA_INT, SOCKET_T, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle IOCTLSOCKET = WINDOWS ? link("ioctlsocket",
            methodType(int.class, long.class, int.class, MemorySegment.class), JAVA_INT, SOCKET_T, JAVA_INT, ADDRESS) : null;
    private static final MethodHandle FCNTL = WINDOWS ? null : LINKER.downcallHandle(LIBRARY.findOrThrow("fcntl"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));

    static {
        if (WINDOWS) {
            MethodHandle startup = link("WSAStartup", methodType(int.class, short.class, MemorySegment.class), JAVA_INT, JAVA_SHORT, ADDRESS);
            try (Arena arena = Arena.ofConfined()) {
                check("WSAStartup", (int) startup.invokeExact((short) 0x0202, arena.allocate(512)) == 0);
            } catch (Throwable t) {
                throw new ExceptionInInitializerError(t);
            }
        }
    }

    private LoopbackTcp() {}

    /** Links {@code name} with the C types of this OS and casts it to {@code common}. */
    private static MethodHandle link(String name, MethodType common, MemoryLayout result, MemoryLayout... arguments) {
        MethodHandle raw = LINKER.downcallHandle(LIBRARY.findOrThrow(name), FunctionDescriptor.of(result, arguments));
        return MethodHandles.explicitCastArguments(raw, common);
    }

    private static void check(String call, boolean ok) {
        if (!ok) throw new AssertionError(call + " failed");
    }

    private static AssertionError failure(Throwable t) {
        return t instanceof AssertionError a ? a : new AssertionError(t);
    }

    /** A listening socket on 127.0.0.1 (blocking) and the address it got. */
    public record Listener(long socket, MemorySegment address) implements AutoCloseable {
        @Override
        public void close() {
            INSTANCE.close(socket);
        }
    }

    /** A blocking socket listening on an ephemeral port of 127.0.0.1. */
    public Listener listen() {
        long s = socket();
        try {
            MemorySegment address = Arena.ofAuto().allocate(16, 4);
            if (WINDOWS || LINUX) {
                address.set(JAVA_SHORT, 0, (short) AF_INET);
            } else {
                address.set(JAVA_BYTE, 0, (byte) 16); // sin_len
                address.set(JAVA_BYTE, 1, (byte) AF_INET);
            }
            address.set(JAVA_BYTE, 4, (byte) 127);
            address.set(JAVA_BYTE, 7, (byte) 1);
            check("bind", (int) BIND.invokeExact(s, address, 16) == 0);
            try (Arena arena = Arena.ofConfined()) {
                check("getsockname", (int) GETSOCKNAME.invokeExact(s, address, arena.allocateFrom(JAVA_INT, 16)) == 0);
            }
            check("listen", (int) LISTEN.invokeExact(s, 16) == 0);
            return new Listener(s, address);
        } catch (Throwable t) {
            close(s);
            throw failure(t);
        }
    }

    /** Connects a new blocking socket to {@code listener} (loopback: done once the SYN is queued). */
    public long connect(Listener listener) {
        long s = socket();
        try {
            check("connect", (int) CONNECT.invokeExact(s, listener.address(), 16) == 0);
            return s;
        } catch (Throwable t) {
            close(s);
            throw failure(t);
        }
    }

    /** Accepts one connection (blocking). */
    public long accept(Listener listener) {
        try {
            long s = (long) ACCEPT.invokeExact(listener.socket(), MemorySegment.NULL, MemorySegment.NULL);
            check("accept", s != -1);
            return s;
        } catch (Throwable t) {
            throw failure(t);
        }
    }

    public void nonBlocking(long s) {
        try (Arena arena = Arena.ofConfined()) {
            if (WINDOWS) {
                check("ioctlsocket(FIONBIO)", (int) IOCTLSOCKET.invokeExact(s, FIONBIO, arena.allocateFrom(JAVA_INT, 1)) == 0);
            } else {
                int fd = Math.toIntExact(s);
                int flags = (int) FCNTL.invokeExact(fd, F_GETFL, 0);
                check("fcntl(F_GETFL)", flags >= 0);
                check("fcntl(F_SETFL)", (int) FCNTL.invokeExact(fd, F_SETFL, flags | O_NONBLOCK) == 0);
            }
        } catch (Throwable t) {
            throw failure(t);
        }
    }

    /** A connection: {@code a} is the accepted end, {@code b} the connecting one; both non-blocking. */
    @Override
    public Pair socketPair() {
        try (Listener listener = listen()) {
            long b = connect(listener);
            long a;
            try {
                a = accept(listener);
            } catch (AssertionError e) {
                close(b);
                throw e;
            }
            Pair pair = new Pair(this, a, b);
            try {
                nonBlocking(a);
                nonBlocking(b);
            } catch (AssertionError e) {
                pair.close();
                throw e;
            }
            return pair;
        }
    }

    /** No pipes on Windows: a connection, read at {@code a}, written at {@code b}. */
    @Override
    public Pair pipe() {
        return socketPair();
    }

    @Override
    public long write(long handle, int n) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(n, 1));
            buf.fill((byte) 'x');
            return (long) SEND.invokeExact(handle, buf, (long) n, MSG_NOSIGNAL);
        } catch (Throwable t) {
            throw failure(t);
        }
    }

    /** Sends {@code bytes}; returns what send returned. */
    public long send(long handle, byte[] bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(JAVA_BYTE, bytes);
            return (long) SEND.invokeExact(handle, buf, (long) bytes.length, MSG_NOSIGNAL);
        } catch (Throwable t) {
            throw failure(t);
        }
    }

    /** One recv of at most {@code max} bytes, returned; fails if recv did (would block included). */
    public byte[] receive(long handle, int max) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(max, 1));
            long n = (long) RECV.invokeExact(handle, buf, (long) max, 0);
            check("recv(" + handle + ")", n >= 0);
            return buf.asSlice(0, n).toArray(JAVA_BYTE);
        } catch (Throwable t) {
            throw failure(t);
        }
    }

    /** MSG_OOB: the same value on Linux, macOS, FreeBSD and Windows. */
    private static final int MSG_OOB = 1;

    /** Sends {@code text} as urgent data (its last byte is the urgent one); returns what send returned. */
    public long sendUrgent(long handle, String text) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(text);
            return (long) SEND.invokeExact(handle, buf, (long) text.length(), MSG_OOB | MSG_NOSIGNAL);
        } catch (Throwable t) {
            throw failure(t);
        }
    }

    /** recv(MSG_OOB) of one byte: the urgent byte, or -1 if the call failed. */
    public int receiveUrgent(long handle) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1);
            long n = (long) RECV.invokeExact(handle, buf, 1L, MSG_OOB);
            return n == 1 ? buf.get(JAVA_BYTE, 0) : -1;
        } catch (Throwable t) {
            throw failure(t);
        }
    }

    @Override
    public long read(long handle, int max) {
        try (Arena arena = Arena.ofConfined()) {
            return (long) RECV.invokeExact(handle, arena.allocate(Math.max(max, 1)), (long) max, 0);
        } catch (Throwable t) {
            throw failure(t);
        }
    }

    @Override
    public void shutdownOutput(long handle) {
        try {
            check("shutdown", (int) SHUTDOWN.invokeExact(handle, SHUT_WR) == 0);
        } catch (Throwable t) {
            throw failure(t);
        }
    }

    /** Closes {@code pair}'s {@code b} with a zero linger time, so that {@code a} gets a reset. */
    public void resetB(Pair pair) {
        try (Arena arena = Arena.ofConfined()) {
            // struct linger: two u_shorts on Windows, two ints elsewhere; l_onoff = 1, l_linger = 0
            MemorySegment linger = arena.allocate(8);
            if (WINDOWS) {
                linger.set(JAVA_SHORT, 0, (short) 1);
            } else {
                linger.set(JAVA_INT, 0, 1);
            }
            check("setsockopt(SO_LINGER)", (int) SETSOCKOPT.invokeExact(pair.b(), SOL_SOCKET, SO_LINGER, linger, WINDOWS ? 4 : 8) == 0);
        } catch (Throwable t) {
            throw failure(t);
        }
        pair.closeB();
    }

    @Override
    public void close(long handle) {
        try {
            check("close(" + handle + ")", (int) CLOSE.invokeExact(handle) == 0);
        } catch (Throwable t) {
            throw failure(t);
        }
    }

    @Override
    public int closedWriterReadiness() {
        return Readiness.READ_CLOSED;
    }

    /** A new blocking TCP socket. */
    private static long socket() {
        try {
            long s = (long) SOCKET.invokeExact(AF_INET, SOCK_STREAM, 0);
            check("socket", s != -1);
            return s;
        } catch (Throwable t) {
            throw failure(t);
        }
    }
}
