package dev.rawpoll.bsd;

import dev.rawpoll.bsd.bindings.iovec_bsd;
import dev.rawpoll.bsd.bindings.linger_bsd;
import dev.rawpoll.bsd.bindings.msghdr_bsd;
import dev.rawpoll.bsd.bindings.sockaddr_in6_bsd;
import dev.rawpoll.bsd.bindings.sockaddr_in_bsd;
import dev.rawpoll.bsd.bindings.sockaddr_storage_bsd;
import dev.rawpoll.bsd.bindings.socket_bsd_h;
import dev.rawpoll.internal.Native;
import dev.rawpoll.internal.SocketAbi;
import dev.rawpoll.internal.SocketCalls;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.HashMap;
import java.util.Map;

/**
 * The socket calls of macOS and FreeBSD, named as in C: the same calls as Linux, with the
 * constants and layouts of {@code native/bsd/socket.h} (written from the xnu and FreeBSD headers
 * at the commits it names; jextract output in {@code bsd.bindings}).
 *
 * <pre>{@code
 * struct sockaddr_in  { uint8_t sin_len; sa_family_t sin_family; in_port_t sin_port; struct in_addr sin_addr; char sin_zero[8]; };  // 16
 * struct sockaddr_in6 { uint8_t sin6_len; sa_family_t sin6_family; in_port_t sin6_port; uint32_t sin6_flowinfo;
 *                       struct in6_addr sin6_addr; uint32_t sin6_scope_id; };                                                       // 28
 * struct msghdr { void *msg_name; socklen_t msg_namelen; struct iovec *msg_iov; int msg_iovlen;                                   // 48
 *                 void *msg_control; socklen_t msg_controllen; int msg_flags; };
 * }</pre>
 * {@code sa_family_t} is one byte, after the length byte. What differs between the two systems:
 * {@link #MACOS} has no accept4 and no SOCK_NONBLOCK/SOCK_CLOEXEC (fcntl does their work), sets
 * SO_NOSIGPIPE per socket instead of MSG_NOSIGNAL per send, counts SO_LINGER in ticks (so
 * SO_LINGER_SEC is used), and AF_INET6 is 30; {@link #FREEBSD} has all of Linux's flags, and
 * AF_INET6 is 28. Linked like {@code linux.Sockets}: critical where the call cannot block, heap
 * segments for recv and send.
 */
public final class BsdSockets implements SocketCalls {
    /** macOS (xnu). */
    public static final BsdSockets MACOS = new BsdSockets(table(false));
    /** FreeBSD. */
    public static final BsdSockets FREEBSD = new BsdSockets(table(true));

    private static final MethodHandle SOCKET =
            Native.downcall(socket_bsd_h.socket$address(), socket_bsd_h.socket$descriptor(), true);
    private static final MethodHandle BIND =
            Native.downcall(socket_bsd_h.bind$address(), socket_bsd_h.bind$descriptor(), true);
    private static final MethodHandle LISTEN =
            Native.downcall(socket_bsd_h.listen$address(), socket_bsd_h.listen$descriptor(), true);
    private static final MethodHandle ACCEPT =
            Native.downcall(socket_bsd_h.accept$address(), socket_bsd_h.accept$descriptor(), true);
    private static final MethodHandle CONNECT =
            Native.downcall(socket_bsd_h.connect$address(), socket_bsd_h.connect$descriptor(), true);
    private static final MethodHandle RECV =
            Native.downcallWithHeapAccess(socket_bsd_h.recv$address(), socket_bsd_h.recv$descriptor());
    private static final MethodHandle SEND =
            Native.downcallWithHeapAccess(socket_bsd_h.send$address(), socket_bsd_h.send$descriptor());
    private static final MethodHandle SENDMSG =
            Native.downcall(socket_bsd_h.sendmsg$address(), socket_bsd_h.sendmsg$descriptor(), true);
    private static final MethodHandle SHUTDOWN =
            Native.downcall(socket_bsd_h.shutdown$address(), socket_bsd_h.shutdown$descriptor(), true);
    private static final MethodHandle SETSOCKOPT =
            Native.downcall(socket_bsd_h.setsockopt$address(), socket_bsd_h.setsockopt$descriptor(), true);
    private static final MethodHandle GETSOCKOPT =
            Native.downcall(socket_bsd_h.getsockopt$address(), socket_bsd_h.getsockopt$descriptor(), true);
    private static final MethodHandle GETSOCKNAME =
            Native.downcall(socket_bsd_h.getsockname$address(), socket_bsd_h.getsockname$descriptor(), true);
    private static final MethodHandle GETPEERNAME =
            Native.downcall(socket_bsd_h.getpeername$address(), socket_bsd_h.getpeername$descriptor(), true);
    /** Blocks while a socket with SO_LINGER > 0 drains: never critical. */
    private static final MethodHandle CLOSE =
            Native.downcall(socket_bsd_h.close$address(), socket_bsd_h.close$descriptor(), false);
    private static final MethodHandle FCNTL = Native.downcallVariadic(socket_bsd_h.fcntl.address(),
            FunctionDescriptor.of(socket_bsd_h.C_INT, socket_bsd_h.C_INT, socket_bsd_h.C_INT, socket_bsd_h.C_INT), 2);
    private static final MethodHandle IOCTL = Native.downcallVariadic(socket_bsd_h.ioctl.address(),
            FunctionDescriptor.of(socket_bsd_h.C_INT, socket_bsd_h.C_INT, socket_bsd_h.C_LONG_LONG, socket_bsd_h.C_POINTER), 2);

    private final SocketAbi abi;
    /** FreeBSD's accept4; null on macOS, which has none. Linked only when this system is the running one. */
    private volatile MethodHandle accept4;
    private final boolean freebsd;

    private BsdSockets(Map<String, Long> table) {
        this.abi = new SocketAbi(table);
        this.freebsd = table.containsKey("SOCK_NONBLOCK");
    }

    /**
     * The table of one system, by the names the ABI probe prints; {@code freebsd} picks where the
     * two differ (see {@code native/bsd/socket.h}).
     */
    static Map<String, Long> table(boolean freebsd) {
        Map<String, Long> m = new HashMap<>();
        m.put("sizeof(struct sockaddr_in)", sockaddr_in_bsd.sizeof());
        m.put("offsetof(struct sockaddr_in, sin_len)", sockaddr_in_bsd.sin_len$offset());
        m.put("offsetof(struct sockaddr_in, sin_family)", sockaddr_in_bsd.sin_family$offset());
        m.put("offsetof(struct sockaddr_in, sin_port)", sockaddr_in_bsd.sin_port$offset());
        m.put("offsetof(struct sockaddr_in, sin_addr)", sockaddr_in_bsd.sin_addr$offset());
        m.put("sizeof(struct in_addr)", sockaddr_in_bsd.sin_addr$layout().byteSize());
        m.put("sizeof(struct sockaddr_in6)", sockaddr_in6_bsd.sizeof());
        m.put("offsetof(struct sockaddr_in6, sin6_len)", sockaddr_in6_bsd.sin6_len$offset());
        m.put("offsetof(struct sockaddr_in6, sin6_family)", sockaddr_in6_bsd.sin6_family$offset());
        m.put("offsetof(struct sockaddr_in6, sin6_port)", sockaddr_in6_bsd.sin6_port$offset());
        m.put("offsetof(struct sockaddr_in6, sin6_flowinfo)", sockaddr_in6_bsd.sin6_flowinfo$offset());
        m.put("offsetof(struct sockaddr_in6, sin6_addr)", sockaddr_in6_bsd.sin6_addr$offset());
        m.put("offsetof(struct sockaddr_in6, sin6_scope_id)", sockaddr_in6_bsd.sin6_scope_id$offset());
        m.put("sizeof(struct in6_addr)", sockaddr_in6_bsd.sin6_addr$layout().byteSize());
        m.put("sizeof(struct sockaddr_storage)", sockaddr_storage_bsd.sizeof());
        m.put("alignof(struct sockaddr_storage)", sockaddr_storage_bsd.layout().byteAlignment());
        m.put("offsetof(struct sockaddr_storage, ss_family)", sockaddr_storage_bsd.ss_family$offset());
        m.put("sizeof(sa_family_t)", sockaddr_storage_bsd.ss_family$layout().byteSize());
        m.put("sizeof(struct linger)", linger_bsd.sizeof());
        m.put("offsetof(struct linger, l_onoff)", linger_bsd.l_onoff$offset());
        m.put("offsetof(struct linger, l_linger)", linger_bsd.l_linger$offset());
        m.put("sizeof(struct iovec)", iovec_bsd.sizeof());
        m.put("offsetof(struct iovec, iov_base)", iovec_bsd.iov_base$offset());
        m.put("offsetof(struct iovec, iov_len)", iovec_bsd.iov_len$offset());
        m.put("sizeof(struct msghdr)", msghdr_bsd.sizeof());
        m.put("alignof(struct msghdr)", msghdr_bsd.layout().byteAlignment());
        m.put("offsetof(struct msghdr, msg_iov)", msghdr_bsd.msg_iov$offset());
        m.put("offsetof(struct msghdr, msg_iovlen)", msghdr_bsd.msg_iovlen$offset());
        m.put("sizeof(msg_iovlen)", msghdr_bsd.msg_iovlen$layout().byteSize());
        m.put("UIO_MAXIOV", (long) socket_bsd_h.UIO_MAXIOV());
        m.put("AF_INET", (long) socket_bsd_h.AF_INET());
        m.put("AF_INET6", (long) (freebsd ? socket_bsd_h.AF_INET6_FREEBSD() : socket_bsd_h.AF_INET6_MACOS()));
        m.put("SOCK_STREAM", (long) socket_bsd_h.SOCK_STREAM());
        if (freebsd) {
            m.put("SOCK_NONBLOCK", (long) socket_bsd_h.SOCK_NONBLOCK_FREEBSD());
            m.put("SOCK_CLOEXEC", (long) socket_bsd_h.SOCK_CLOEXEC_FREEBSD());
            m.put("MSG_NOSIGNAL", (long) socket_bsd_h.MSG_NOSIGNAL_FREEBSD());
        } else {
            m.put("SO_NOSIGPIPE", (long) socket_bsd_h.SO_NOSIGPIPE_MACOS());
        }
        m.put("SOL_SOCKET", (long) socket_bsd_h.SOL_SOCKET());
        m.put("SO_REUSEADDR", (long) socket_bsd_h.SO_REUSEADDR());
        m.put("SO_REUSEPORT", (long) socket_bsd_h.SO_REUSEPORT());
        m.put("SO_KEEPALIVE", (long) socket_bsd_h.SO_KEEPALIVE());
        m.put("SO_RCVBUF", (long) socket_bsd_h.SO_RCVBUF());
        m.put("SO_SNDBUF", (long) socket_bsd_h.SO_SNDBUF());
        m.put("SO_ERROR", (long) socket_bsd_h.SO_ERROR());
        m.put("SO_LINGER", (long) (freebsd ? socket_bsd_h.SO_LINGER_FREEBSD() : socket_bsd_h.SO_LINGER_SEC_MACOS()));
        m.put("SO_OOBINLINE", (long) socket_bsd_h.SO_OOBINLINE());
        m.put("IPPROTO_TCP", (long) socket_bsd_h.IPPROTO_TCP());
        m.put("TCP_NODELAY", (long) socket_bsd_h.TCP_NODELAY());
        m.put("MSG_OOB", (long) socket_bsd_h.MSG_OOB());
        m.put("SHUT_RD", (long) socket_bsd_h.SHUT_RD());
        m.put("SHUT_WR", (long) socket_bsd_h.SHUT_WR());
        m.put("SHUT_RDWR", (long) socket_bsd_h.SHUT_RDWR());
        m.put("F_GETFL", (long) socket_bsd_h.F_GETFL());
        m.put("F_SETFL", (long) socket_bsd_h.F_SETFL());
        m.put("F_GETFD", (long) socket_bsd_h.F_GETFD());
        m.put("F_SETFD", (long) socket_bsd_h.F_SETFD());
        m.put("O_NONBLOCK", (long) socket_bsd_h.O_NONBLOCK());
        m.put("FD_CLOEXEC", (long) socket_bsd_h.FD_CLOEXEC());
        m.put("SIOCATMARK", (long) socket_bsd_h.SIOCATMARK());
        m.put("EINTR", (long) socket_bsd_h.EINTR());
        m.put("EAGAIN", (long) socket_bsd_h.EAGAIN());
        m.put("EINPROGRESS", (long) socket_bsd_h.EINPROGRESS());
        m.put("ECONNRESET", (long) socket_bsd_h.ECONNRESET());
        m.put("EPIPE", (long) socket_bsd_h.EPIPE());
        m.put("ECONNREFUSED", (long) socket_bsd_h.ECONNREFUSED());
        m.put("ENOTCONN", (long) socket_bsd_h.ENOTCONN());
        m.put("ECONNABORTED", (long) socket_bsd_h.ECONNABORTED());
        m.put("EADDRINUSE", (long) socket_bsd_h.EADDRINUSE());
        m.put("EAFNOSUPPORT", (long) socket_bsd_h.EAFNOSUPPORT());
        m.put("EINVAL", (long) socket_bsd_h.EINVAL());
        return m;
    }

    @Override
    public SocketAbi abi() {
        return abi;
    }

    @Override
    public boolean hasAccept4() {
        return freebsd;
    }

    private static RuntimeException fail(Throwable t) {
        throw Native.unexpected(t);
    }

    @Override
    public int socket(MemorySegment errno, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(errno, domain, type, protocol);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int bind(MemorySegment errno, int fd, MemorySegment addr, int addrlen) {
        try {
            return (int) BIND.invokeExact(errno, fd, addr, addrlen);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int listen(MemorySegment errno, int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(errno, fd, backlog);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int accept4(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
        MethodHandle handle = accept4;
        if (handle == null) {
            if (!freebsd) {
                throw new UnsupportedOperationException("macOS has no accept4: use accept and fcntl");
            }
            // Linked on first use: the symbol exists only on FreeBSD.
            accept4 = handle = Native.downcall(socket_bsd_h.accept4$address(), socket_bsd_h.accept4$descriptor(), true);
        }
        try {
            return (int) handle.invokeExact(errno, fd, addr, addrlen, flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int accept(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen) {
        try {
            return (int) ACCEPT.invokeExact(errno, fd, addr, addrlen);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int connect(MemorySegment errno, int fd, MemorySegment addr, int addrlen) {
        try {
            return (int) CONNECT.invokeExact(errno, fd, addr, addrlen);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long recv(MemorySegment errno, int fd, MemorySegment buf, long len, int flags) {
        try {
            return (long) RECV.invokeExact(errno, fd, buf, len, flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long send(MemorySegment errno, int fd, MemorySegment buf, long len, int flags) {
        try {
            return (long) SEND.invokeExact(errno, fd, buf, len, flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long sendmsg(MemorySegment errno, int fd, MemorySegment msg, int flags) {
        try {
            return (long) SENDMSG.invokeExact(errno, fd, msg, flags);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int shutdown(MemorySegment errno, int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(errno, fd, how);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int setsockopt(MemorySegment errno, int fd, int level, int optname, MemorySegment optval, int optlen) {
        try {
            return (int) SETSOCKOPT.invokeExact(errno, fd, level, optname, optval, optlen);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int getsockopt(MemorySegment errno, int fd, int level, int optname, MemorySegment optval, MemorySegment optlen) {
        try {
            return (int) GETSOCKOPT.invokeExact(errno, fd, level, optname, optval, optlen);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int getsockname(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen) {
        try {
            return (int) GETSOCKNAME.invokeExact(errno, fd, addr, addrlen);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int getpeername(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen) {
        try {
            return (int) GETPEERNAME.invokeExact(errno, fd, addr, addrlen);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int close(MemorySegment errno, int fd) {
        try {
            return (int) CLOSE.invokeExact(errno, fd);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int ioctl(MemorySegment errno, int fd, long request, MemorySegment argp) {
        try {
            return (int) IOCTL.invokeExact(errno, fd, request, argp);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int fcntl(MemorySegment errno, int fd, int cmd, int arg) {
        try {
            return (int) FCNTL.invokeExact(errno, fd, cmd, arg);
        } catch (Throwable t) {
            throw fail(t);
        }
    }
}
