package dev.rawpoll.windows;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rawpoll.internal.Native;
import dev.rawpoll.internal.SocketAbi;
import dev.rawpoll.internal.SocketCalls;
import dev.rawpoll.windows.bindings.WSAMSG;
import dev.rawpoll.windows.bindings.winsock_h;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * {@link SocketCalls} on Windows: Winsock 2 (ws2_32), linked from the jextract bindings of {@code
 * native/windows/winsock.h}, behind the interface {@code dev.rawpoll.net} uses on every OS.
 *
 * <ul>
 *   <li><b>Sockets</b> are made with {@code WSASocketW(..., WSA_FLAG_OVERLAPPED |
 *       WSA_FLAG_NO_HANDLE_INHERIT)}, so no child process inherits them, and made non-blocking
 *       with {@code ioctlsocket(FIONBIO)}; an accepted socket gets both again (FIONBIO and
 *       {@code SetHandleInformation(HANDLE_FLAG_INHERIT, 0)}), as libuv does.</li>
 *   <li><b>Descriptors</b> stay {@code int}: a SOCKET's value has 32 significant bits (see {@link
 *       SocketCalls}); {@link #socket} and {@link #accept} check that it fits.</li>
 *   <li><b>Errors</b> are WSAGetLastError codes, captured right after each call; on failure the
 *       code is also stored where {@link Native#errno} reads the captured error (GetLastError's
 *       slot on Windows), so {@code dev.rawpoll.net} reads one value on every OS. Names: {@link
 *       WinsockErrors}.</li>
 *   <li><b>Gathering writes</b> are WSASend of the WSABUFs the WSAMSG points to.</li>
 *   <li>Winsock is started once (WSAStartup 2.2) before the first socket, and never cleaned up.</li>
 * </ul>
 *
 * <p>Loaded only on Windows ({@code Platform.sockets()}); the table is {@link WinsockAbi}'s.
 */
public final class WinsockSockets implements SocketCalls {
    static {
        // As in Iocp: the DLLs are mapped in every process; loading makes them visible to the
        // bindings' loaderLookup().
        System.loadLibrary("kernel32");
        System.loadLibrary("ws2_32");
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("WSAGetLastError");
    private static final VarHandle WSA_ERROR = Linker.Option.captureStateLayout()
            .varHandle(PathElement.groupElement("WSAGetLastError"));
    private static final VarHandle LAST_ERROR = Linker.Option.captureStateLayout()
            .varHandle(PathElement.groupElement("GetLastError"));

    private static final int SOCKET_ERROR = winsock_h.SOCKET_ERROR();
    private static final int WSAESHUTDOWN = winsock_h.WSAESHUTDOWN();
    private static final long INVALID_SOCKET = winsock_h.INVALID_SOCKET(); // -1: all ones
    private static final int FLAGS = winsock_h.WSA_FLAG_OVERLAPPED() | winsock_h.WSA_FLAG_NO_HANDLE_INHERIT();
    private static final long OFFSETOF_LPBUFFERS = WSAMSG.lpBuffers$offset();
    private static final long OFFSETOF_BUFFER_COUNT = WSAMSG.dwBufferCount$offset();
    /** Where WSASend writes the bytes sent: the WSAMSG's dwFlags, which WSASend never reads. */
    private static final long OFFSETOF_BYTES_SENT = WSAMSG.dwFlags$offset();

    private static final MethodHandle WSA_SOCKET_W = link(winsock_h.WSASocketW$address(), winsock_h.WSASocketW$descriptor());
    private static final MethodHandle IOCTLSOCKET = link(winsock_h.ioctlsocket$address(), winsock_h.ioctlsocket$descriptor());
    private static final MethodHandle BIND = link(winsock_h.bind$address(), winsock_h.bind$descriptor());
    private static final MethodHandle LISTEN = link(winsock_h.listen$address(), winsock_h.listen$descriptor());
    private static final MethodHandle ACCEPT = link(winsock_h.accept$address(), winsock_h.accept$descriptor());
    private static final MethodHandle CONNECT = link(winsock_h.connect$address(), winsock_h.connect$descriptor());
    /** recv and send take heap segments in place, as on Linux: the sockets never block. */
    private static final MethodHandle RECV = LINKER.downcallHandle(winsock_h.recv$address(), winsock_h.recv$descriptor(),
            CAPTURE, Linker.Option.critical(true));
    private static final MethodHandle SEND = LINKER.downcallHandle(winsock_h.send$address(), winsock_h.send$descriptor(),
            CAPTURE, Linker.Option.critical(true));
    /**
     * WSASend with its pointers passed as 64-bit integers (the same registers and stack slots in
     * the Windows x64 convention): the buffer array and the count come as addresses read from the
     * WSAMSG, with no segment made per call.
     */
    private static final MethodHandle WSA_SEND = link(winsock_h.WSASend$address(), FunctionDescriptor.of(JAVA_INT,
            JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle SHUTDOWN = link(winsock_h.shutdown$address(), winsock_h.shutdown$descriptor());
    private static final MethodHandle CLOSESOCKET = link(winsock_h.closesocket$address(), winsock_h.closesocket$descriptor());
    private static final MethodHandle SETSOCKOPT = link(winsock_h.setsockopt$address(), winsock_h.setsockopt$descriptor());
    private static final MethodHandle GETSOCKOPT = link(winsock_h.getsockopt$address(), winsock_h.getsockopt$descriptor());
    private static final MethodHandle GETSOCKNAME = link(winsock_h.getsockname$address(), winsock_h.getsockname$descriptor());
    private static final MethodHandle GETPEERNAME = link(winsock_h.getpeername$address(), winsock_h.getpeername$descriptor());
    /** kernel32: its error is GetLastError's, captured by {@link Native#downcall}. */
    private static final MethodHandle SET_HANDLE_INFORMATION = Native.downcall(
            winsock_h.SetHandleInformation$address(), winsock_h.SetHandleInformation$descriptor(), true);

    /** The one instance (made after the handles above, which its methods use). */
    public static final WinsockSockets INSTANCE = new WinsockSockets();

    private final SocketAbi abi = new SocketAbi(WinsockAbi.table());

    private WinsockSockets() {}

    private static MethodHandle link(MemorySegment address, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(address, descriptor, CAPTURE);
    }

    /** WSAStartup(2.2)'s result, once per process (0: Winsock is up). */
    private static final class Startup {
        static final int ERROR;

        static {
            try (Arena temporary = Arena.ofConfined()) {
                ERROR = Iocp.WSAStartup(Native.allocateCapture(temporary), (short) 0x0202, temporary.allocate(Afd.WSADATA_ROOM, 8));
            }
        }
    }

    /** Stores the captured WSAGetLastError where {@link Native#errno} reads; returns -1. */
    private static int failed(MemorySegment capture) {
        LAST_ERROR.set(capture, 0L, (int) WSA_ERROR.get(capture, 0L));
        return -1;
    }

    private static int failed(MemorySegment capture, int error) {
        LAST_ERROR.set(capture, 0L, error);
        return -1;
    }

    private static int checked(MemorySegment capture, int result) {
        return result == SOCKET_ERROR ? failed(capture) : result;
    }

    /** A new SOCKET as an int; one that does not fit is closed and refused (it cannot happen, see SocketCalls). */
    private static int narrowed(MemorySegment capture, long socket, String call) {
        if (socket == INVALID_SOCKET) {
            return failed(capture);
        }
        if (socket < 0 || socket > Integer.MAX_VALUE) {
            closesocket(capture, socket);
            throw new IllegalStateException(call + " returned SOCKET " + Long.toUnsignedString(socket)
                    + ", which has more than 31 significant bits");
        }
        return (int) socket;
    }

    private static void closesocket(MemorySegment capture, long socket) {
        try {
            int ignored = (int) CLOSESOCKET.invokeExact(capture, socket);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    @Override public SocketAbi abi() { return abi; }

    /** WSASocketW with WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT (blocking until made non-blocking). */
    @Override
    public int socket(MemorySegment errno, int domain, int type, int protocol) {
        if (Startup.ERROR != 0) {
            return failed(errno, Startup.ERROR);
        }
        try {
            long s = (long) WSA_SOCKET_W.invokeExact(errno, domain, type, protocol, MemorySegment.NULL, 0, FLAGS);
            return narrowed(errno, s, "WSASocketW");
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    @Override
    public int bind(MemorySegment errno, int fd, MemorySegment addr, int addrlen) {
        try {
            return checked(errno, (int) BIND.invokeExact(errno, (long) fd, addr, addrlen));
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    @Override
    public int listen(MemorySegment errno, int fd, int backlog) {
        try {
            return checked(errno, (int) LISTEN.invokeExact(errno, (long) fd, backlog));
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    @Override public boolean hasAccept4() { return false; }

    @Override
    public int accept4(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
        throw new UnsupportedOperationException("Windows has no accept4");
    }

    /** accept: the new socket is non-blocking like the listener, but see {@link #makeNonBlockingAndCloseOnExec}. */
    @Override
    public int accept(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen) {
        try {
            return narrowed(errno, (long) ACCEPT.invokeExact(errno, (long) fd, addr, addrlen), "accept");
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** connect: a non-blocking connect under way fails with WSAEWOULDBLOCK (the table's EINPROGRESS). */
    @Override
    public int connect(MemorySegment errno, int fd, MemorySegment addr, int addrlen) {
        try {
            return checked(errno, (int) CONNECT.invokeExact(errno, (long) fd, addr, addrlen));
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /**
     * recv, which takes an int length: more than 2^31-1 bytes asked for read as a short read.
     * After this side's {@code shutdown(SD_RECEIVE)} Winsock's recv fails with WSAESHUTDOWN where
     * Unix's returns 0: it returns 0 here too, so that {@code shutdownInput()} ends the stream on
     * every OS.
     */
    @Override
    public long recv(MemorySegment errno, int fd, MemorySegment buf, long len, int flags) {
        try {
            int n = (int) RECV.invokeExact(errno, (long) fd, buf, (int) Math.min(len, Integer.MAX_VALUE), flags);
            if (n != SOCKET_ERROR) {
                return n;
            }
            return (int) WSA_ERROR.get(errno, 0L) == WSAESHUTDOWN ? 0 : failed(errno);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    @Override
    public long send(MemorySegment errno, int fd, MemorySegment buf, long len, int flags) {
        try {
            return checked(errno, (int) SEND.invokeExact(errno, (long) fd, buf, (int) Math.min(len, Integer.MAX_VALUE), flags));
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /**
     * WSASend of the WSABUFs {@code msg} (a WSAMSG) points to. A WSABUF's length is a u_long: the
     * caller writes it as 64 bits over the u_long and its padding, so a buffer of 4 GiB or more is
     * sent as a shorter one (a short write, which callers handle anyway).
     */
    @Override
    public long sendmsg(MemorySegment errno, int fd, MemorySegment msg, int flags) {
        try {
            int r = (int) WSA_SEND.invokeExact(errno, (long) fd, msg.get(JAVA_LONG, OFFSETOF_LPBUFFERS),
                    msg.get(JAVA_INT, OFFSETOF_BUFFER_COUNT), msg.address() + OFFSETOF_BYTES_SENT, flags, 0L, 0L);
            return r == SOCKET_ERROR ? failed(errno) : Integer.toUnsignedLong(msg.get(JAVA_INT, OFFSETOF_BYTES_SENT));
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    @Override
    public int shutdown(MemorySegment errno, int fd, int how) {
        try {
            return checked(errno, (int) SHUTDOWN.invokeExact(errno, (long) fd, how));
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    @Override
    public int setsockopt(MemorySegment errno, int fd, int level, int optname, MemorySegment optval, int optlen) {
        try {
            return checked(errno, (int) SETSOCKOPT.invokeExact(errno, (long) fd, level, optname, optval, optlen));
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /**
     * getsockopt; {@code optval} is zeroed first, because Winsock may write fewer bytes than asked
     * (a one-byte BOOLEAN for some boolean options) and the caller reads a whole int.
     */
    @Override
    public int getsockopt(MemorySegment errno, int fd, int level, int optname, MemorySegment optval, MemorySegment optlen) {
        optval.fill((byte) 0);
        try {
            return checked(errno, (int) GETSOCKOPT.invokeExact(errno, (long) fd, level, optname, optval, optlen));
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    @Override
    public int getsockname(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen) {
        try {
            return checked(errno, (int) GETSOCKNAME.invokeExact(errno, (long) fd, addr, addrlen));
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    @Override
    public int getpeername(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen) {
        try {
            return checked(errno, (int) GETPEERNAME.invokeExact(errno, (long) fd, addr, addrlen));
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** closesocket. */
    @Override
    public int close(MemorySegment errno, int fd) {
        try {
            return checked(errno, (int) CLOSESOCKET.invokeExact(errno, (long) fd));
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /**
     * ioctlsocket, whose argument is a {@code u_long *}. Note that Winsock's SIOCATMARK answers
     * "is no urgent data waiting", not BSD's "is the read position at the mark".
     */
    @Override
    public int ioctl(MemorySegment errno, int fd, long request, MemorySegment argp) {
        try {
            return checked(errno, (int) IOCTLSOCKET.invokeExact(errno, (long) fd, (int) request, argp));
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    @Override
    public int fcntl(MemorySegment errno, int fd, int cmd, int arg) {
        throw new UnsupportedOperationException("Windows has no fcntl: use makeNonBlockingAndCloseOnExec");
    }

    /** ioctlsocket(FIONBIO, 1), then SetHandleInformation(HANDLE_FLAG_INHERIT, 0). */
    @Override
    public int makeNonBlockingAndCloseOnExec(MemorySegment errno, int fd, MemorySegment scratch) {
        scratch.set(JAVA_INT, 0, 1);
        if (ioctl(errno, fd, winsock_h.FIONBIO(), scratch) != 0) {
            return -1;
        }
        try {
            int ok = (int) SET_HANDLE_INFORMATION.invokeExact(errno, MemorySegment.ofAddress(fd),
                    winsock_h.HANDLE_FLAG_INHERIT(), 0);
            return ok != 0 ? 0 : -1; // GetLastError is already where Native.errno reads it
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    @Override
    public String makeNonBlockingAndCloseOnExecCall(int fd) {
        return "ioctlsocket(fd=" + fd + ", FIONBIO) / SetHandleInformation(HANDLE_FLAG_INHERIT, 0)";
    }

    @Override public String errorName(int error) { return WinsockErrors.name(error); }

    @Override public String errorDescription(int error) { return WinsockErrors.description(error); }
}
