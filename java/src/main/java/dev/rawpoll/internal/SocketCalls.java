package dev.rawpoll.internal;

import java.lang.foreign.MemorySegment;

/**
 * The socket system calls of one OS, named and typed as in C (descriptors as {@code int}, sizes
 * as {@code long}), each taking the errno capture segment first and returning what C returns
 * (-1 with the error in the segment on failure, where {@link Native#errno} reads it). Implemented
 * by a raw class per OS ({@code linux.LinuxSockets}, {@code bsd.BsdSockets}, {@code
 * windows.WinsockSockets}) and chosen once by {@link Platform#sockets()}: the
 * caller keeps it in a {@code static final} field, so the JIT sees one constant receiver and
 * inlines the call as if it were static (no virtual call on the read/write path).
 *
 * <p>What differs between the systems besides the calls themselves (constants, struct layouts,
 * whether accept4 exists) is in {@link #abi()}.
 *
 * <p><b>Descriptors are {@code int}s on every OS.</b> A Windows {@code SOCKET} is a 64-bit {@code
 * UINT_PTR}, but it is a kernel handle, and "64-bit versions of Windows use 32-bit handles for
 * interoperability ... only the lower 32 bits are significant" (Microsoft, <i>Interprocess
 * Communication Between 32-bit and 64-bit Applications</i>); the JDK keeps Windows sockets in an
 * {@code int} for the same reason. {@code windows.WinsockSockets} widens the {@code int} to the
 * {@code SOCKET} on every call and checks, where a socket is made, that its value fits (it closes
 * it and throws otherwise), so {@code dev.rawpoll.net} keeps one descriptor type and the Linux
 * read/write path is unchanged. INVALID_SOCKET (all ones) narrows to -1, the C failure value.
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

    /**
     * {@link #recv} into {@code buf[offset, offset + len)}, checked by the caller. The Linux
     * calls slice inside the downcall handle, where the slice costs no allocation; elsewhere
     * this slice is made here.
     */
    default long recv(MemorySegment errno, int fd, MemorySegment buf, long offset, long len, int flags) {
        return recv(errno, fd, offset == 0 && len == buf.byteSize() ? buf : buf.asSlice(offset, len), len, flags);
    }

    /** {@link #send} from {@code buf[offset, offset + len)}, checked by the caller; as the range {@code recv}. */
    default long send(MemorySegment errno, int fd, MemorySegment buf, long offset, long len, int flags) {
        return send(errno, fd, offset == 0 && len == buf.byteSize() ? buf : buf.asSlice(offset, len), len, flags);
    }

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

    /** {@code fcntl(fd, cmd, arg)}; for F_GETFL/F_GETFD pass 0 as {@code arg}. Not on Windows. */
    int fcntl(MemorySegment errno, int fd, int cmd, int arg);

    /**
     * Makes {@code fd} non-blocking and not inherited by child processes, where socket/accept
     * could not: with fcntl(2) (FD_CLOEXEC, O_NONBLOCK) on Unix; with ioctlsocket(FIONBIO) and
     * SetHandleInformation on Windows. {@code scratch} is at least 4 bytes of native memory the
     * call may use. Returns 0, or -1 with the error in {@code errno}.
     */
    default int makeNonBlockingAndCloseOnExec(MemorySegment errno, int fd, MemorySegment scratch) {
        SocketAbi abi = abi();
        int flags;
        return fcntl(errno, fd, abi.F_SETFD, abi.FD_CLOEXEC) != 0
                || (flags = fcntl(errno, fd, abi.F_GETFL, 0)) < 0
                || fcntl(errno, fd, abi.F_SETFL, flags | abi.O_NONBLOCK) != 0 ? -1 : 0;
    }

    /** How an error of {@link #makeNonBlockingAndCloseOnExec} names the calls, for {@code fd}. */
    default String makeNonBlockingAndCloseOnExecCall(int fd) {
        return "fcntl(fd=" + fd + ", close-on-exec and O_NONBLOCK)";
    }

    /** The symbolic name of an error these calls report ({@code ECONNRESET}, {@code WSAECONNRESET}). */
    default String errorName(int error) {
        return Errno.name(error);
    }

    /** Its text ({@code Connection reset by peer}). */
    default String errorDescription(int error) {
        return Errno.description(error);
    }
}
