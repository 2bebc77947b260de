package dev.rawpoll.net;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.CloseHooks;
import dev.rawpoll.internal.Native;
import dev.rawpoll.internal.Platform;
import dev.rawpoll.internal.SocketAbi;
import dev.rawpoll.internal.SocketCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.net.InetSocketAddress;

/**
 * One open socket descriptor with the small native scratch its calls need (errno capture,
 * a {@code sockaddr_storage}, a {@code socklen_t}, an option value), allocated once in an arena
 * of its own and freed by {@link #close()}. Used by one thread at a time, like its owner.
 */
final class SocketHandle {
    private static final long SCRATCH_SIZE = 256;
    /**
     * The socket calls of this OS, chosen once: a constant receiver, so the JIT inlines every call
     * through it as a static one. Null where there are none ({@link #checkPlatform()} says why).
     */
    static final SocketCalls RAW = socketsOrNull();
    /** Their constants and layouts. */
    static final SocketAbi ABI = RAW == null ? null : RAW.abi();
    // Read on every read and write: static final ints, folded by the JIT.
    private static final int EAGAIN = ABI == null ? 0 : ABI.EAGAIN;
    private static final int EINTR = ABI == null ? 0 : ABI.EINTR;
    /** MSG_NOSIGNAL where send takes it; 0 on macOS, where SO_NOSIGPIPE is set on each socket instead. */
    static final int SEND_FLAGS = ABI == null ? 0 : ABI.MSG_NOSIGNAL;
    private static final boolean IOVLEN_IS_INT = ABI != null && ABI.SIZEOF_MSG_IOVLEN == 4;

    private final int fd;
    private final Arena arena;
    /** The errno capture: from {@link Native#takeCapture()}, not the arena (no session work per call). */
    final MemorySegment errno;
    /** A sockaddr_storage: for bind, connect, getsockname, getpeername. */
    final MemorySegment sockaddr;
    final MemorySegment socklen;
    /** An int or a struct linger, for setsockopt/getsockopt; an urgent byte; ioctl's int. */
    final MemorySegment optval;
    /** A struct msghdr followed by iovecs, for gathering writes; made on first use, grown as needed. */
    private MemorySegment gather;
    private int gatherCapacity;
    private boolean closed;

    private SocketHandle(int fd, Arena arena, MemorySegment errno, MemorySegment scratch) {
        this.fd = fd;
        this.arena = arena;
        this.errno = errno;
        SegmentAllocator slices = SegmentAllocator.slicingAllocator(scratch);
        this.sockaddr = slices.allocate(ABI.SIZEOF_SOCKADDR_STORAGE, ABI.ALIGNOF_SOCKADDR_STORAGE);
        this.socklen = slices.allocate(JAVA_INT);
        this.optval = slices.allocate(Math.max(ABI.SIZEOF_LINGER, JAVA_INT.byteSize()), JAVA_INT.byteAlignment());
    }

    static {
        dev.rawpoll.internal.StreamBridge.set(new dev.rawpoll.internal.StreamBridge.Net() {
            @Override
            public TcpStream adoptAccepted(int fd) throws SystemCallException {
                return TcpStream.accepted(adopt(fd));
            }

            @Override
            public SystemCallException error(String call, int errno) {
                return SocketHandle.error(call, errno);
            }

            @Override
            public dev.rawpoll.internal.StreamBridge.Connecting connecting(InetSocketAddress remote) throws SystemCallException {
                SocketHandle socket = open(SocketAddresses.family(remote));
                try {
                    int length = SocketAddresses.write(remote, socket.sockaddr);
                    return new dev.rawpoll.internal.StreamBridge.Connecting(TcpStream.connecting(socket, remote),
                            socket.sockaddr.address(), length);
                } catch (RuntimeException | Error e) {
                    socket.close();
                    throw e;
                }
            }

            @Override
            public SystemCallException connectError(InetSocketAddress remote, int errno) {
                return SocketHandle.error("connect(" + SocketAddresses.format(remote) + ")", errno);
            }

            @Override
            public void checkPortFree(InetSocketAddress address) throws SystemCallException {
                TcpListener.checkPortFree(address);
            }
        });
    }

    private static SocketCalls socketsOrNull() {
        try {
            return Platform.sockets();
        } catch (UnsupportedOperationException none) {
            return null;
        }
    }

    /**
     * A new non-blocking, close-on-exec TCP socket of {@code family} that raises no SIGPIPE:
     * socket(2) with SOCK_NONBLOCK|SOCK_CLOEXEC where it takes them (Linux, FreeBSD), else
     * socket(2) then fcntl(2) (macOS); SO_NOSIGPIPE where send has no MSG_NOSIGNAL (macOS).
     */
    static SocketHandle open(int family) throws SystemCallException {
        Arena arena = Arena.ofShared();
        MemorySegment errno = Native.takeCapture();
        try {
            MemorySegment scratch = arena.allocate(SCRATCH_SIZE, 8);
            int fd = RAW.socket(errno, family, ABI.SOCK_STREAM | ABI.SOCK_NONBLOCK | ABI.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw error("socket(" + (family == ABI.AF_INET6 ? "AF_INET6" : "AF_INET")
                        + (ABI.SOCK_NONBLOCK != 0 ? ", SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC)" : ", SOCK_STREAM)"),
                        Native.errno(errno));
            }
            SocketHandle socket = new SocketHandle(fd, arena, errno, scratch);
            try {
                if (ABI.SOCK_NONBLOCK == 0) {
                    socket.makeNonBlockingAndCloseOnExec();
                }
                socket.suppressSigpipe();
            } catch (SystemCallException | RuntimeException | Error e) {
                socket.close(); // releases the arena and the capture
                throw e;
            }
            return socket;
        } catch (RuntimeException | Error | SystemCallException e) {
            if (arena.scope().isAlive()) {
                arena.close();
                Native.returnCapture(errno);
            }
            throw e;
        }
    }

    /**
     * Takes ownership of {@code fd}, already non-blocking and close-on-exec (from accept), and
     * sets SO_NOSIGPIPE where needed; closes {@code fd} if that fails.
     */
    static SocketHandle adopt(int fd) throws SystemCallException {
        Arena arena = Arena.ofShared();
        MemorySegment errno = Native.takeCapture();
        SocketHandle socket;
        try {
            socket = new SocketHandle(fd, arena, errno, arena.allocate(SCRATCH_SIZE, 8));
        } catch (RuntimeException | Error e) {
            arena.close();
            Native.returnCapture(errno);
            throw e;
        }
        try {
            socket.suppressSigpipe();
        } catch (SystemCallException | RuntimeException | Error e) {
            socket.close();
            throw e;
        }
        return socket;
    }

    /**
     * Non-blocking and not inherited, where socket(2) and accept(2) cannot do it: fcntl(2) on Unix,
     * ioctlsocket(FIONBIO) and SetHandleInformation on Windows.
     */
    void makeNonBlockingAndCloseOnExec() throws SystemCallException {
        if (RAW.makeNonBlockingAndCloseOnExec(errno, fd, optval) != 0) {
            throw error(RAW.makeNonBlockingAndCloseOnExecCall(fd), Native.errno(errno));
        }
    }

    /** SO_NOSIGPIPE where send(2) has no MSG_NOSIGNAL (macOS); nothing elsewhere. */
    private void suppressSigpipe() throws SystemCallException {
        if (ABI.SO_NOSIGPIPE >= 0) {
            setIntOption(ABI.SOL_SOCKET, ABI.SO_NOSIGPIPE, "SO_NOSIGPIPE", 1);
        }
    }

    /** Fails with UnsupportedOperationException before any binding is touched on an OS without sockets. */
    static void checkPlatform() {
        if (RAW == null) {
            Platform.sockets(); // throws, naming the OS and architecture
        }
    }

    /** The descriptor; throws IllegalStateException once closed. */
    int fd() {
        if (closed) {
            throw new IllegalStateException("socket is closed");
        }
        return fd;
    }

    /**
     * A zeroed struct msghdr whose msg_iov points at room for {@code iovecs} iovecs (they follow
     * it in the same segment). Grows by doubling; the outgrown block stays in the arena until
     * close.
     */
    MemorySegment msghdrWithIovecs(int iovecs) {
        if (iovecs > gatherCapacity) {
            int capacity = Math.max(iovecs, Math.min(Math.max(8, gatherCapacity * 2), ABI.UIO_MAXIOV));
            gather = arena.allocate(ABI.SIZEOF_MSGHDR + capacity * ABI.SIZEOF_IOVEC, ABI.ALIGNOF_MSGHDR);
            gatherCapacity = capacity;
        }
        MemorySegment msg = gather.asSlice(0, ABI.SIZEOF_MSGHDR);
        msg.fill((byte) 0);
        msg.set(ADDRESS, ABI.OFFSETOF_MSG_IOV, gather.asSlice(ABI.SIZEOF_MSGHDR));
        if (IOVLEN_IS_INT) {
            msg.set(JAVA_INT, ABI.OFFSETOF_MSG_IOVLEN, iovecs);
        } else {
            msg.set(JAVA_LONG, ABI.OFFSETOF_MSG_IOVLEN, iovecs);
        }
        return gather;
    }

    // ---- data transfer: TcpStream's read and write, after their argument checks --------------

    /** recv(2), for TcpStream.read; {@code len} 0 returns 0 without a system call. */
    int recv(MemorySegment dst, long len) throws SystemCallException {
        return recv(dst, 0, len);
    }

    /**
     * recv(2) into {@code dst[offset, offset + len)}, checked by the caller; {@code len} 0 returns
     * 0 without a system call. The range goes to the call whole: where the handle is compiled apart
     * from this code (Linux), a slice made here would be allocated on every call.
     */
    int recv(MemorySegment dst, long offset, long len) throws SystemCallException {
        int fd = fd();
        if (len == 0) {
            return 0; // recv would return 0, which means end of stream
        }
        while (true) {
            long n = RAW.recv(errno, fd, dst, offset, len, 0);
            if (n > 0) {
                return (int) n;
            }
            if (n == 0) {
                return TcpStream.END_OF_STREAM;
            }
            int e = Native.errno(errno);
            if (e == EAGAIN) {
                return TcpStream.WOULD_BLOCK;
            }
            if (e != EINTR) {
                throw failed("recv", fd, e);
            }
        }
    }

    /** send(2) without SIGPIPE, for TcpStream.write; {@code len} 0 returns 0. */
    int send(MemorySegment src, long len) throws SystemCallException {
        return send(src, 0, len);
    }

    /** send(2) of {@code src[offset, offset + len)}, checked by the caller; as {@link #recv(MemorySegment, long, long)}. */
    int send(MemorySegment src, long offset, long len) throws SystemCallException {
        int fd = fd();
        if (len == 0) {
            return 0;
        }
        while (true) {
            long n = RAW.send(errno, fd, src, offset, len, SEND_FLAGS);
            if (n >= 0) {
                return (int) n;
            }
            int e = Native.errno(errno);
            if (e == EAGAIN) {
                return TcpStream.WOULD_BLOCK;
            }
            if (e != EINTR) {
                throw failed("send", fd, e);
            }
        }
    }

    /** sendmsg(2) without SIGPIPE of {@code srcs[offset, offset + length)}, for TcpStream.write. */
    long sendmsg(MemorySegment[] srcs, int offset, int length) throws SystemCallException {
        int fd = fd();
        if (length == 0) {
            return 0; // before msghdrWithIovecs: there may be no msghdr yet, and none is needed
        }
        MemorySegment msg = msghdrWithIovecs(length);
        long iov = ABI.SIZEOF_MSGHDR;
        long total = 0;
        for (int i = offset; i < offset + length; i++, iov += ABI.SIZEOF_IOVEC) {
            MemorySegment src = srcs[i];
            if (!src.isNative()) {
                throw new IllegalArgumentException("gathering writes take native segments only: srcs[" + i + "] is on the heap");
            }
            msg.set(ADDRESS, iov + ABI.OFFSETOF_IOV_BASE, src);
            msg.set(JAVA_LONG, iov + ABI.OFFSETOF_IOV_LEN, src.byteSize());
            total += src.byteSize();
        }
        if (total == 0) {
            return 0; // like write(empty): no system call, so no error of the connection either
        }
        while (true) {
            long n = RAW.sendmsg(errno, fd, msg, SEND_FLAGS);
            if (n >= 0) {
                return n;
            }
            int e = Native.errno(errno);
            if (e == EAGAIN) {
                return TcpStream.WOULD_BLOCK;
            }
            if (e != EINTR) {
                throw error("sendmsg(fd=" + fd + ", " + length + " segments)", e);
            }
        }
    }

    boolean isClosed() {
        return closed;
    }

    void setIntOption(int level, int option, String optionName, int value) throws SystemCallException {
        int fd = fd();
        optval.set(JAVA_INT, 0, value);
        if (RAW.setsockopt(errno, fd, level, option, optval, (int) JAVA_INT.byteSize()) != 0) {
            throw error("setsockopt(fd=" + fd + ", " + optionName + ", " + value + ")", Native.errno(errno));
        }
    }

    int getIntOption(int level, int option, String optionName) throws SystemCallException {
        int fd = fd();
        socklen.set(JAVA_INT, 0, (int) JAVA_INT.byteSize());
        if (RAW.getsockopt(errno, fd, level, option, optval, socklen) != 0) {
            throw error("getsockopt(fd=" + fd + ", " + optionName + ")", Native.errno(errno));
        }
        return optval.get(JAVA_INT, 0);
    }

    /** SO_LINGER: negative turns lingering off. */
    void setLinger(int seconds) throws SystemCallException {
        int fd = fd();
        setLingerField(ABI.OFFSETOF_L_ONOFF, seconds < 0 ? 0 : 1);
        setLingerField(ABI.OFFSETOF_L_LINGER, Math.max(seconds, 0));
        if (RAW.setsockopt(errno, fd, ABI.SOL_SOCKET, ABI.SO_LINGER, optval, (int) ABI.SIZEOF_LINGER) != 0) {
            throw error("setsockopt(fd=" + fd + ", SO_LINGER, " + seconds + ")", Native.errno(errno));
        }
    }

    int getLinger() throws SystemCallException {
        int fd = fd();
        socklen.set(JAVA_INT, 0, (int) ABI.SIZEOF_LINGER);
        if (RAW.getsockopt(errno, fd, ABI.SOL_SOCKET, ABI.SO_LINGER, optval, socklen) != 0) {
            throw error("getsockopt(fd=" + fd + ", SO_LINGER)", Native.errno(errno));
        }
        return lingerField(ABI.OFFSETOF_L_ONOFF) == 0 ? -1 : lingerField(ABI.OFFSETOF_L_LINGER);
    }

    /** A field of struct linger: an int on Unix, a u_short on Windows (seconds above 65535 are cut). */
    private void setLingerField(long offset, int value) {
        if (ABI.SIZEOF_L_ONOFF == 2) {
            optval.set(JAVA_SHORT_UNALIGNED, offset, (short) Math.min(value, 0xffff));
        } else {
            optval.set(JAVA_INT_UNALIGNED, offset, value);
        }
    }

    private int lingerField(long offset) {
        return ABI.SIZEOF_L_ONOFF == 2
                ? Short.toUnsignedInt(optval.get(JAVA_SHORT_UNALIGNED, offset))
                : optval.get(JAVA_INT_UNALIGNED, offset);
    }

    InetSocketAddress localAddress() throws SystemCallException {
        int fd = fd();
        socklen.set(JAVA_INT, 0, (int) ABI.SIZEOF_SOCKADDR_STORAGE);
        if (RAW.getsockname(errno, fd, sockaddr, socklen) != 0) {
            throw error("getsockname(fd=" + fd + ")", Native.errno(errno));
        }
        return SocketAddresses.read(sockaddr);
    }

    /** The peer, or null if not connected (ENOTCONN). */
    InetSocketAddress peerAddressOrNull() throws SystemCallException {
        int fd = fd();
        socklen.set(JAVA_INT, 0, (int) ABI.SIZEOF_SOCKADDR_STORAGE);
        if (RAW.getpeername(errno, fd, sockaddr, socklen) != 0) {
            int e = Native.errno(errno);
            if (e == ABI.ENOTCONN) {
                return null;
            }
            throw error("getpeername(fd=" + fd + ")", e);
        }
        return SocketAddresses.read(sockaddr);
    }

    /**
     * Closes the descriptor and frees the scratch memory; idempotent. An event loop that watches
     * the descriptor is told first ({@link CloseHooks}) and forgets it before the number is
     * released; from another thread than the loop's, the loop thread does that and then the
     * release. An error from close(2) is not reported: Linux releases the descriptor even then,
     * so there is nothing to retry.
     */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        CloseHooks.close(fd, this::release);
    }

    private void release() {
        RAW.close(errno, fd);
        arena.close();
        Native.returnCapture(errno); // last: no call of this socket can use it any more
    }

    /** {@link #error} for {@code call(fd=N)}: built here, out of the compiled reads and writes. */
    private static SystemCallException failed(String call, int fd, int errno) {
        return error(call + "(fd=" + fd + ")", errno);
    }

    /**
     * {@code call: ECONNRESET (Connection reset by peer)}, as the subclass for the errors a
     * caller typically handles apart.
     */
    static SystemCallException error(String call, int errno) {
        String name = RAW.errorName(errno);
        String text = RAW.errorDescription(errno);
        if (errno == ABI.ECONNRESET) {
            return new ConnectionResetException(call, errno, name, text);
        }
        if (errno == ABI.EPIPE) {
            return new BrokenPipeException(call, errno, name, text);
        }
        if (errno == ABI.ECONNREFUSED) {
            return new ConnectionRefusedException(call, errno, name, text);
        }
        return new SystemCallException(call, errno, name, text);
    }
}
