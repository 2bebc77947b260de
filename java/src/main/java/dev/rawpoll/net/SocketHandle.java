package dev.rawpoll.net;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.Errno;
import dev.rawpoll.internal.Native;
import dev.rawpoll.internal.Platform;
import dev.rawpoll.linux.Sockets;
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

    private final int fd;
    private final Arena arena;
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
        this.sockaddr = slices.allocate(Sockets.SIZEOF_SOCKADDR_STORAGE, Sockets.ALIGNOF_SOCKADDR_STORAGE);
        this.socklen = slices.allocate(JAVA_INT);
        this.optval = slices.allocate(Math.max(Sockets.SIZEOF_LINGER, JAVA_INT.byteSize()), JAVA_INT.byteAlignment());
    }

    /** A new non-blocking, close-on-exec TCP socket of {@code family}. */
    static SocketHandle open(int family) throws SystemCallException {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment scratch = arena.allocate(SCRATCH_SIZE, 8);
            MemorySegment errno = Native.allocateCapture(arena);
            int fd = Sockets.socket(errno, family, Sockets.SOCK_STREAM | Sockets.SOCK_NONBLOCK | Sockets.SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw error("socket(" + (family == Sockets.AF_INET6 ? "AF_INET6" : "AF_INET")
                        + ", SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC)", Native.errno(errno));
            }
            return new SocketHandle(fd, arena, errno, scratch);
        } catch (RuntimeException | Error | SystemCallException e) {
            arena.close();
            throw e;
        }
    }

    /** Takes ownership of {@code fd}, already non-blocking and close-on-exec (from accept). */
    static SocketHandle adopt(int fd) {
        Arena arena = Arena.ofShared();
        try {
            return new SocketHandle(fd, arena, Native.allocateCapture(arena), arena.allocate(SCRATCH_SIZE, 8));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Fails with UnsupportedOperationException before any binding is touched on another OS. */
    static void checkPlatform() {
        // The bindings are generated for x86-64 and aarch64 Linux; other systems are not done yet.
        Platform.checkLinuxBindings("rawpoll's TCP sockets");
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
            int capacity = Math.max(iovecs, Math.min(Math.max(8, gatherCapacity * 2), Sockets.UIO_MAXIOV));
            gather = arena.allocate(Sockets.SIZEOF_MSGHDR + capacity * Sockets.SIZEOF_IOVEC, Sockets.ALIGNOF_MSGHDR);
            gatherCapacity = capacity;
        }
        MemorySegment msg = gather.asSlice(0, Sockets.SIZEOF_MSGHDR);
        msg.fill((byte) 0);
        msg.set(ADDRESS, Sockets.OFFSETOF_MSG_IOV, gather.asSlice(Sockets.SIZEOF_MSGHDR));
        msg.set(JAVA_LONG, Sockets.OFFSETOF_MSG_IOVLEN, iovecs);
        return gather;
    }

    // ---- data transfer: TcpStream's read and write, after their argument checks --------------

    /** recv(2), for TcpStream.read; {@code len} 0 returns 0 without a system call. */
    int recv(MemorySegment dst, long len) throws SystemCallException {
        int fd = fd();
        if (len == 0) {
            return 0; // recv would return 0, which means end of stream
        }
        while (true) {
            long n = Sockets.recv(errno, fd, dst, len, 0);
            if (n > 0) {
                return (int) n;
            }
            if (n == 0) {
                return TcpStream.END_OF_STREAM;
            }
            int e = Native.errno(errno);
            if (e == Sockets.EAGAIN) {
                return TcpStream.WOULD_BLOCK;
            }
            if (e != Sockets.EINTR) {
                throw error("recv(fd=" + fd + ")", e);
            }
        }
    }

    /** send(2) with MSG_NOSIGNAL, for TcpStream.write; {@code len} 0 returns 0. */
    int send(MemorySegment src, long len) throws SystemCallException {
        int fd = fd();
        if (len == 0) {
            return 0;
        }
        while (true) {
            long n = Sockets.send(errno, fd, src, len, Sockets.MSG_NOSIGNAL);
            if (n >= 0) {
                return (int) n;
            }
            int e = Native.errno(errno);
            if (e == Sockets.EAGAIN) {
                return TcpStream.WOULD_BLOCK;
            }
            if (e != Sockets.EINTR) {
                throw error("send(fd=" + fd + ")", e);
            }
        }
    }

    /** sendmsg(2) with MSG_NOSIGNAL of {@code srcs[offset, offset + length)}, for TcpStream.write. */
    long sendmsg(MemorySegment[] srcs, int offset, int length) throws SystemCallException {
        int fd = fd();
        if (length == 0) {
            return 0; // before msghdrWithIovecs: there may be no msghdr yet, and none is needed
        }
        MemorySegment msg = msghdrWithIovecs(length);
        long iov = Sockets.SIZEOF_MSGHDR;
        long total = 0;
        for (int i = offset; i < offset + length; i++, iov += Sockets.SIZEOF_IOVEC) {
            MemorySegment src = srcs[i];
            if (!src.isNative()) {
                throw new IllegalArgumentException("gathering writes take native segments only: srcs[" + i + "] is on the heap");
            }
            msg.set(ADDRESS, iov + Sockets.OFFSETOF_IOV_BASE, src);
            msg.set(JAVA_LONG, iov + Sockets.OFFSETOF_IOV_LEN, src.byteSize());
            total += src.byteSize();
        }
        if (total == 0) {
            return 0; // like write(empty): no system call, so no error of the connection either
        }
        while (true) {
            long n = Sockets.sendmsg(errno, fd, msg, Sockets.MSG_NOSIGNAL);
            if (n >= 0) {
                return n;
            }
            int e = Native.errno(errno);
            if (e == Sockets.EAGAIN) {
                return TcpStream.WOULD_BLOCK;
            }
            if (e != Sockets.EINTR) {
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
        if (Sockets.setsockopt(errno, fd, level, option, optval, (int) JAVA_INT.byteSize()) != 0) {
            throw error("setsockopt(fd=" + fd + ", " + optionName + ", " + value + ")", Native.errno(errno));
        }
    }

    int getIntOption(int level, int option, String optionName) throws SystemCallException {
        int fd = fd();
        socklen.set(JAVA_INT, 0, (int) JAVA_INT.byteSize());
        if (Sockets.getsockopt(errno, fd, level, option, optval, socklen) != 0) {
            throw error("getsockopt(fd=" + fd + ", " + optionName + ")", Native.errno(errno));
        }
        return optval.get(JAVA_INT, 0);
    }

    /** SO_LINGER: negative turns lingering off. */
    void setLinger(int seconds) throws SystemCallException {
        int fd = fd();
        optval.set(JAVA_INT_UNALIGNED, Sockets.OFFSETOF_L_ONOFF, seconds < 0 ? 0 : 1);
        optval.set(JAVA_INT_UNALIGNED, Sockets.OFFSETOF_L_LINGER, Math.max(seconds, 0));
        if (Sockets.setsockopt(errno, fd, Sockets.SOL_SOCKET, Sockets.SO_LINGER, optval, (int) Sockets.SIZEOF_LINGER) != 0) {
            throw error("setsockopt(fd=" + fd + ", SO_LINGER, " + seconds + ")", Native.errno(errno));
        }
    }

    int getLinger() throws SystemCallException {
        int fd = fd();
        socklen.set(JAVA_INT, 0, (int) Sockets.SIZEOF_LINGER);
        if (Sockets.getsockopt(errno, fd, Sockets.SOL_SOCKET, Sockets.SO_LINGER, optval, socklen) != 0) {
            throw error("getsockopt(fd=" + fd + ", SO_LINGER)", Native.errno(errno));
        }
        return optval.get(JAVA_INT_UNALIGNED, Sockets.OFFSETOF_L_ONOFF) == 0
                ? -1 : optval.get(JAVA_INT_UNALIGNED, Sockets.OFFSETOF_L_LINGER);
    }

    InetSocketAddress localAddress() throws SystemCallException {
        int fd = fd();
        socklen.set(JAVA_INT, 0, (int) Sockets.SIZEOF_SOCKADDR_STORAGE);
        if (Sockets.getsockname(errno, fd, sockaddr, socklen) != 0) {
            throw error("getsockname(fd=" + fd + ")", Native.errno(errno));
        }
        return SocketAddresses.read(sockaddr);
    }

    /** The peer, or null if not connected (ENOTCONN). */
    InetSocketAddress peerAddressOrNull() throws SystemCallException {
        int fd = fd();
        socklen.set(JAVA_INT, 0, (int) Sockets.SIZEOF_SOCKADDR_STORAGE);
        if (Sockets.getpeername(errno, fd, sockaddr, socklen) != 0) {
            int e = Native.errno(errno);
            if (e == Sockets.ENOTCONN) {
                return null;
            }
            throw error("getpeername(fd=" + fd + ")", e);
        }
        return SocketAddresses.read(sockaddr);
    }

    /**
     * Closes the descriptor and frees the scratch memory; idempotent. An error from close(2) is
     * not reported: Linux releases the descriptor even then, so there is nothing to retry.
     */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        Sockets.close(errno, fd);
        arena.close();
    }

    /**
     * {@code call: ECONNRESET (Connection reset by peer)}, as the subclass for the errors a
     * caller typically handles apart.
     */
    static SystemCallException error(String call, int errno) {
        String name = Errno.name(errno);
        String text = Errno.description(errno);
        if (errno == Sockets.ECONNRESET) {
            return new ConnectionResetException(call, errno, name, text);
        }
        if (errno == Sockets.EPIPE) {
            return new BrokenPipeException(call, errno, name, text);
        }
        if (errno == Sockets.ECONNREFUSED) {
            return new ConnectionRefusedException(call, errno, name, text);
        }
        return new SystemCallException(call, errno, name, text);
    }
}
