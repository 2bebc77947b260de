package dev.rawpoll.internal;

import java.lang.foreign.MemorySegment;

/**
 * The socket system calls of one OS, named and typed as in C (descriptors as {@code int}, sizes
 * as {@code long}), each taking the errno capture segment first and returning what C returns
 * (-1 with the errno in the segment on failure). Implemented by a raw class per OS ({@code
 * linux.LinuxSockets}, {@code bsd.BsdSockets}) and chosen once by {@link Platform#sockets()}: the
 * caller keeps it in a {@code static final} field, so the JIT sees one constant receiver and
 * inlines the call as if it were static (no virtual call on the read/write path).
 *
 * <p>What differs between the systems besides the calls themselves (constants, struct layouts,
 * whether accept4 exists) is in {@link #abi()}.
 */
public interface SocketCalls {
    /** The constants and layouts of this OS. */
    SocketAbi abi();

    int socket(MemorySegment errno, int domain, int type, int protocol);

    int bind(MemorySegment errno, int fd, MemorySegment addr, int addrlen);

    int listen(MemorySegment errno, int fd, int backlog);

    /** Whether {@link #accept4} exists here; without it {@link #accept} and {@link #fcntl} stand in. */
    boolean hasAccept4();

    /** Only where {@link #hasAccept4()}, on a non-blocking listener. */
    int accept4(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen, int flags);

    /** Only on a non-blocking listener. */
    int accept(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen);

    /** Only on a non-blocking socket. */
    int connect(MemorySegment errno, int fd, MemorySegment addr, int addrlen);

    /** Only on a non-blocking socket; {@code buf} may be a heap segment. */
    long recv(MemorySegment errno, int fd, MemorySegment buf, long len, int flags);

    /** Only on a non-blocking socket; {@code buf} may be a heap segment. */
    long send(MemorySegment errno, int fd, MemorySegment buf, long len, int flags);

    /** Only on a non-blocking socket; every iovec must point to native memory. */
    long sendmsg(MemorySegment errno, int fd, MemorySegment msg, int flags);

    int shutdown(MemorySegment errno, int fd, int how);

    int setsockopt(MemorySegment errno, int fd, int level, int optname, MemorySegment optval, int optlen);

    int getsockopt(MemorySegment errno, int fd, int level, int optname, MemorySegment optval, MemorySegment optlen);

    int getsockname(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen);

    int getpeername(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen);

    int close(MemorySegment errno, int fd);

    /** {@code ioctl(fd, request, argp)}, e.g. SIOCATMARK with an {@code int *}. */
    int ioctl(MemorySegment errno, int fd, long request, MemorySegment argp);

    /** {@code fcntl(fd, cmd, arg)}; for F_GETFL/F_GETFD pass 0 as {@code arg}. */
    int fcntl(MemorySegment errno, int fd, int cmd, int arg);
}
