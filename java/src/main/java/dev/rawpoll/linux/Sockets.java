package dev.rawpoll.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import dev.rawpoll.internal.Native;
import dev.rawpoll.internal.OutOfLineDowncall;
import dev.rawpoll.internal.Platform;
import dev.rawpoll.linux.bindings.aarch64.socket_aarch64_h;
import dev.rawpoll.linux.bindings.socket_h;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The Linux socket calls of {@code dev.rawpoll.net}, named as in C, each taking the errno capture
 * segment first; the one place where they are linked. Sizes, offsets and constants come from the
 * jextract bindings generated from {@code native/linux/socket.h} for the running architecture
 * ({@link Platform#ARCH}: {@code bindings} for x86-64, {@code bindings.aarch64} for aarch64), chosen
 * once when this class initialises, and are checked against the real headers by the socket ABI
 * probe ({@code native/linux/abi_probe_socket.c}; on aarch64 cross-built and run under qemu-user).
 * The function descriptors are the same on both (LP64 Linux): the calls are linked from the x86-64
 * set.
 *
 * <pre>{@code
 * struct sockaddr_in  { sa_family_t sin_family; in_port_t sin_port; struct in_addr sin_addr; unsigned char sin_zero[8]; };  // 16 bytes
 * struct sockaddr_in6 { sa_family_t sin6_family; in_port_t sin6_port; uint32_t sin6_flowinfo;
 *                       struct in6_addr sin6_addr; uint32_t sin6_scope_id; };                                            // 28 bytes
 * struct linger { int l_onoff; int l_linger; };
 * struct iovec  { void *iov_base; size_t iov_len; };
 * struct msghdr { void *msg_name; socklen_t msg_namelen; struct iovec *msg_iov; size_t msg_iovlen;
 *                 void *msg_control; size_t msg_controllen; int msg_flags; };
 * }</pre>
 * Ports, addresses and the flow info are in network byte order; the family and the scope id in
 * host order.
 *
 * <p>Every call that may be {@code critical} is linked so: the sockets are always non-blocking, so
 * accept4, connect, recv, send and sendmsg return at once. {@code recv} and {@code send} also take heap
 * segments, passed in place, and are made through syscall(2), not glibc's cancellation-point
 * wrappers (see {@code RECV}). Only {@code close} (which lingers with SO_LINGER) and the variadic
 * {@code fcntl} and {@code ioctl} are ordinary downcalls.
 */
public final class Sockets {
    private Sockets() {}

    /** Whether the aarch64 bindings apply; otherwise the x86-64 ones. */
    private static final boolean AARCH64 = Platform.ARCH == Platform.Arch.AARCH64;

    // struct sockaddr_in, sockaddr_in6, sockaddr_storage, in_addr, in6_addr, linger, iovec, msghdr
    private static final GroupLayout SOCKADDR_IN = AARCH64
            ? dev.rawpoll.linux.bindings.aarch64.sockaddr_in.layout() : dev.rawpoll.linux.bindings.sockaddr_in.layout();
    private static final GroupLayout SOCKADDR_IN6 = AARCH64
            ? dev.rawpoll.linux.bindings.aarch64.sockaddr_in6.layout() : dev.rawpoll.linux.bindings.sockaddr_in6.layout();
    private static final GroupLayout SOCKADDR_STORAGE = AARCH64
            ? dev.rawpoll.linux.bindings.aarch64.sockaddr_storage.layout() : dev.rawpoll.linux.bindings.sockaddr_storage.layout();
    private static final GroupLayout IN_ADDR = AARCH64
            ? dev.rawpoll.linux.bindings.aarch64.in_addr.layout() : dev.rawpoll.linux.bindings.in_addr.layout();
    private static final GroupLayout IN6_ADDR = AARCH64
            ? dev.rawpoll.linux.bindings.aarch64.in6_addr.layout() : dev.rawpoll.linux.bindings.in6_addr.layout();
    private static final GroupLayout LINGER = AARCH64
            ? dev.rawpoll.linux.bindings.aarch64.linger.layout() : dev.rawpoll.linux.bindings.linger.layout();
    private static final GroupLayout IOVEC = AARCH64
            ? dev.rawpoll.linux.bindings.aarch64.iovec.layout() : dev.rawpoll.linux.bindings.iovec.layout();
    private static final GroupLayout MSGHDR = AARCH64
            ? dev.rawpoll.linux.bindings.aarch64.msghdr.layout() : dev.rawpoll.linux.bindings.msghdr.layout();

    public static final long SIZEOF_SOCKADDR_IN = SOCKADDR_IN.byteSize();
    public static final long OFFSETOF_SIN_FAMILY = SOCKADDR_IN.byteOffset(groupElement("sin_family"));
    public static final long OFFSETOF_SIN_PORT = SOCKADDR_IN.byteOffset(groupElement("sin_port"));
    public static final long OFFSETOF_SIN_ADDR = SOCKADDR_IN.byteOffset(groupElement("sin_addr"));
    public static final long SIZEOF_IN_ADDR = IN_ADDR.byteSize();
    public static final long SIZEOF_SOCKADDR_IN6 = SOCKADDR_IN6.byteSize();
    public static final long OFFSETOF_SIN6_FAMILY = SOCKADDR_IN6.byteOffset(groupElement("sin6_family"));
    public static final long OFFSETOF_SIN6_PORT = SOCKADDR_IN6.byteOffset(groupElement("sin6_port"));
    public static final long OFFSETOF_SIN6_FLOWINFO = SOCKADDR_IN6.byteOffset(groupElement("sin6_flowinfo"));
    public static final long OFFSETOF_SIN6_ADDR = SOCKADDR_IN6.byteOffset(groupElement("sin6_addr"));
    public static final long OFFSETOF_SIN6_SCOPE_ID = SOCKADDR_IN6.byteOffset(groupElement("sin6_scope_id"));
    public static final long SIZEOF_IN6_ADDR = IN6_ADDR.byteSize();
    public static final long SIZEOF_SOCKADDR_STORAGE = SOCKADDR_STORAGE.byteSize();
    public static final long ALIGNOF_SOCKADDR_STORAGE = SOCKADDR_STORAGE.byteAlignment();
    public static final long OFFSETOF_SS_FAMILY = SOCKADDR_STORAGE.byteOffset(groupElement("ss_family"));
    public static final long SIZEOF_LINGER = LINGER.byteSize();
    public static final long OFFSETOF_L_ONOFF = LINGER.byteOffset(groupElement("l_onoff"));
    public static final long OFFSETOF_L_LINGER = LINGER.byteOffset(groupElement("l_linger"));
    public static final long SIZEOF_IOVEC = IOVEC.byteSize();
    public static final long OFFSETOF_IOV_BASE = IOVEC.byteOffset(groupElement("iov_base"));
    public static final long OFFSETOF_IOV_LEN = IOVEC.byteOffset(groupElement("iov_len"));
    public static final long SIZEOF_MSGHDR = MSGHDR.byteSize();
    public static final long ALIGNOF_MSGHDR = MSGHDR.byteAlignment();
    public static final long OFFSETOF_MSG_IOV = MSGHDR.byteOffset(groupElement("msg_iov"));
    public static final long OFFSETOF_MSG_IOVLEN = MSGHDR.byteOffset(groupElement("msg_iovlen"));
    /** size_t: 8 bytes (an int on the BSDs). */
    public static final long SIZEOF_MSG_IOVLEN = MSGHDR.select(groupElement("msg_iovlen")).byteSize();
    /** The most iovecs one sendmsg takes. */
    public static final int UIO_MAXIOV = AARCH64 ? socket_aarch64_h.UIO_MAXIOV() : socket_h.UIO_MAXIOV();

    // socket(2)
    public static final int AF_INET = AARCH64 ? socket_aarch64_h.AF_INET() : socket_h.AF_INET();
    public static final int AF_INET6 = AARCH64 ? socket_aarch64_h.AF_INET6() : socket_h.AF_INET6();
    public static final int SOCK_STREAM = AARCH64 ? socket_aarch64_h.SOCK_STREAM() : socket_h.SOCK_STREAM();
    public static final int SOCK_NONBLOCK = AARCH64 ? socket_aarch64_h.SOCK_NONBLOCK() : socket_h.SOCK_NONBLOCK();
    public static final int SOCK_CLOEXEC = AARCH64 ? socket_aarch64_h.SOCK_CLOEXEC() : socket_h.SOCK_CLOEXEC();

    // setsockopt(2) levels and options
    public static final int SOL_SOCKET = AARCH64 ? socket_aarch64_h.SOL_SOCKET() : socket_h.SOL_SOCKET();
    public static final int SO_REUSEADDR = AARCH64 ? socket_aarch64_h.SO_REUSEADDR() : socket_h.SO_REUSEADDR();
    public static final int SO_REUSEPORT = AARCH64 ? socket_aarch64_h.SO_REUSEPORT() : socket_h.SO_REUSEPORT();
    public static final int SO_KEEPALIVE = AARCH64 ? socket_aarch64_h.SO_KEEPALIVE() : socket_h.SO_KEEPALIVE();
    public static final int SO_RCVBUF = AARCH64 ? socket_aarch64_h.SO_RCVBUF() : socket_h.SO_RCVBUF();
    public static final int SO_SNDBUF = AARCH64 ? socket_aarch64_h.SO_SNDBUF() : socket_h.SO_SNDBUF();
    public static final int SO_ERROR = AARCH64 ? socket_aarch64_h.SO_ERROR() : socket_h.SO_ERROR();
    public static final int SO_LINGER = AARCH64 ? socket_aarch64_h.SO_LINGER() : socket_h.SO_LINGER();
    /** Urgent (out-of-band) data arrives in the normal stream instead of apart. */
    public static final int SO_OOBINLINE = AARCH64 ? socket_aarch64_h.SO_OOBINLINE() : socket_h.SO_OOBINLINE();
    public static final int IPPROTO_TCP = AARCH64 ? socket_aarch64_h.IPPROTO_TCP() : socket_h.IPPROTO_TCP();
    public static final int TCP_NODELAY = AARCH64 ? socket_aarch64_h.TCP_NODELAY() : socket_h.TCP_NODELAY();

    // send(2)/recv(2) flags, shutdown(2) modes
    public static final int MSG_NOSIGNAL = AARCH64 ? socket_aarch64_h.MSG_NOSIGNAL() : socket_h.MSG_NOSIGNAL();
    /** TCP urgent data: send marks the last byte urgent; recv reads the urgent byte apart. */
    public static final int MSG_OOB = AARCH64 ? socket_aarch64_h.MSG_OOB() : socket_h.MSG_OOB();
    public static final int SHUT_RD = AARCH64 ? socket_aarch64_h.SHUT_RD() : socket_h.SHUT_RD();
    public static final int SHUT_WR = AARCH64 ? socket_aarch64_h.SHUT_WR() : socket_h.SHUT_WR();
    public static final int SHUT_RDWR = AARCH64 ? socket_aarch64_h.SHUT_RDWR() : socket_h.SHUT_RDWR();

    // fcntl(2): only where accept4 is missing
    public static final int F_GETFL = AARCH64 ? socket_aarch64_h.F_GETFL() : socket_h.F_GETFL();
    public static final int F_SETFL = AARCH64 ? socket_aarch64_h.F_SETFL() : socket_h.F_SETFL();
    public static final int F_GETFD = AARCH64 ? socket_aarch64_h.F_GETFD() : socket_h.F_GETFD();
    public static final int F_SETFD = AARCH64 ? socket_aarch64_h.F_SETFD() : socket_h.F_SETFD();
    public static final int O_NONBLOCK = AARCH64 ? socket_aarch64_h.O_NONBLOCK() : socket_h.O_NONBLOCK();
    public static final int FD_CLOEXEC = AARCH64 ? socket_aarch64_h.FD_CLOEXEC() : socket_h.FD_CLOEXEC();

    /** ioctl(2): {@code int *} set to 1 when the next byte to read is at the urgent mark. */
    public static final int SIOCATMARK = AARCH64 ? socket_aarch64_h.SIOCATMARK() : socket_h.SIOCATMARK();

    // errno values the sockets act on
    public static final int EINTR = AARCH64 ? socket_aarch64_h.EINTR() : socket_h.EINTR();
    public static final int EAGAIN = AARCH64 ? socket_aarch64_h.EAGAIN() : socket_h.EAGAIN();
    public static final int EINPROGRESS = AARCH64 ? socket_aarch64_h.EINPROGRESS() : socket_h.EINPROGRESS();
    public static final int ECONNRESET = AARCH64 ? socket_aarch64_h.ECONNRESET() : socket_h.ECONNRESET();
    public static final int EPIPE = AARCH64 ? socket_aarch64_h.EPIPE() : socket_h.EPIPE();
    public static final int ECONNREFUSED = AARCH64 ? socket_aarch64_h.ECONNREFUSED() : socket_h.ECONNREFUSED();
    public static final int ENOTCONN = AARCH64 ? socket_aarch64_h.ENOTCONN() : socket_h.ENOTCONN();
    public static final int ECONNABORTED = AARCH64 ? socket_aarch64_h.ECONNABORTED() : socket_h.ECONNABORTED();
    public static final int EADDRINUSE = AARCH64 ? socket_aarch64_h.EADDRINUSE() : socket_h.EADDRINUSE();
    public static final int EAFNOSUPPORT = AARCH64 ? socket_aarch64_h.EAFNOSUPPORT() : socket_h.EAFNOSUPPORT();
    /** recv(MSG_OOB): no urgent byte is pending (or it was read, or SO_OOBINLINE is on). */
    public static final int EINVAL = AARCH64 ? socket_aarch64_h.EINVAL() : socket_h.EINVAL();

    // syscall(2) numbers: recv and send are made as recvfrom and sendto (see RECV)
    public static final int SYS_RECVFROM = AARCH64 ? socket_aarch64_h.SYS_recvfrom() : socket_h.SYS_recvfrom();
    public static final int SYS_SENDTO = AARCH64 ? socket_aarch64_h.SYS_sendto() : socket_h.SYS_sendto();

    private static final MethodHandle SOCKET =
            Native.downcall(socket_h.socket$address(), socket_h.socket$descriptor(), true);
    private static final MethodHandle BIND =
            Native.downcall(socket_h.bind$address(), socket_h.bind$descriptor(), true);
    private static final MethodHandle LISTEN =
            Native.downcall(socket_h.listen$address(), socket_h.listen$descriptor(), true);
    /** Null where the libc has no accept4: then accept and fcntl do its work. */
    private static final MethodHandle ACCEPT4 = linkAccept4();
    private static final MethodHandle ACCEPT =
            Native.downcall(socket_h.accept$address(), socket_h.accept$descriptor(), true);
    private static final MethodHandle CONNECT =
            Native.downcall(socket_h.connect$address(), socket_h.connect$descriptor(), true);
    /**
     * {@code syscall(SYS_recvfrom or SYS_sendto, fd, buf, len, flags, NULL, 0)}: every argument
     * as a long, which is what syscall(2) reads its variadic arguments as (an int would leave the
     * register's upper half undefined).
     */
    private static final FunctionDescriptor SYSCALL_RECVFROM_SENDTO = FunctionDescriptor.of(socket_h.C_LONG,
            socket_h.C_LONG, socket_h.C_LONG, socket_h.C_POINTER, socket_h.C_LONG, socket_h.C_LONG, socket_h.C_POINTER, socket_h.C_LONG);
    /**
     * recv and send, the calls of every round trip, go through syscall(2) as recvfrom and sendto
     * with no address: glibc's {@code recv}/{@code send} are pthread cancellation points, which
     * wrap the system call in {@code __pthread_enable_asynccancel}/{@code _disable_asynccancel},
     * an atomic compare-and-set on the thread's cancel state each, 13 % of the callback echo
     * server's user time in the profile (bench/results/profiles). A JVM never cancels a thread
     * with pthread_cancel, so the wrappers buy nothing here; syscall(2) is no cancellation point
     * and sets errno the same way. Critical, with heap access: the array is passed in place.
     *
     * <p>Out of line, as {@code SENDMSG} ({@link OutOfLineDowncall}): inlined into a callback,
     * deep below the method the JIT compiles, a handle allocates its errno capture slice on every
     * call. The range forms slice the buffer inside the handle ({@link Native#withRange}), since a
     * slice made here would escape into the out-of-line call.
     */
    private static final MethodHandle RECVFROM_SENDTO = Native.syscallWithHeapAccess(SYSCALL_RECVFROM_SENDTO);
    private static final OutOfLineDowncall RECV = new OutOfLineDowncall(RECVFROM_SENDTO);
    private static final OutOfLineDowncall SEND = RECV;
    /**
     * {@code RECV} taking {@code (errno, number, fd, buf, offset, len, flags, NULL, 0)}, for native
     * buffers only. Heap buffers (whole, or a range sliced here) go through the inlined {@code
     * RECVFROM_SENDTO}, as before: through this handle, a heap slice was not removed by escape
     * analysis in every compilation (40 B per call measured in ReadWriteAllocationTest), and one
     * type profile seeing both kinds of segment inlines both slice classes, whose merge escape
     * analysis does not remove either.
     */
    private static final OutOfLineDowncall RANGE_NATIVE = new OutOfLineDowncall(Native.withRange(RECVFROM_SENDTO, 3));
    /** Native memory only: the iovecs hold addresses. */
    private static final OutOfLineDowncall SENDMSG = new OutOfLineDowncall(
            Native.downcall(socket_h.sendmsg$address(), socket_h.sendmsg$descriptor(), true));
    private static final MethodHandle SHUTDOWN =
            Native.downcall(socket_h.shutdown$address(), socket_h.shutdown$descriptor(), true);
    private static final MethodHandle SETSOCKOPT =
            Native.downcall(socket_h.setsockopt$address(), socket_h.setsockopt$descriptor(), true);
    private static final MethodHandle GETSOCKOPT =
            Native.downcall(socket_h.getsockopt$address(), socket_h.getsockopt$descriptor(), true);
    private static final MethodHandle GETSOCKNAME =
            Native.downcall(socket_h.getsockname$address(), socket_h.getsockname$descriptor(), true);
    private static final MethodHandle GETPEERNAME =
            Native.downcall(socket_h.getpeername$address(), socket_h.getpeername$descriptor(), true);
    /** Blocks while a socket with SO_LINGER > 0 drains: never critical. */
    private static final MethodHandle CLOSE =
            Native.downcall(socket_h.close$address(), socket_h.close$descriptor(), false);
    /** {@code int fcntl(int fd, int cmd, ...)} with one int argument. */
    private static final MethodHandle FCNTL = Native.downcallVariadic(socket_h.fcntl.address(),
            FunctionDescriptor.of(socket_h.C_INT, socket_h.C_INT, socket_h.C_INT, socket_h.C_INT), 2);
    /** {@code int ioctl(int fd, unsigned long request, ...)} with one pointer argument. */
    private static final MethodHandle IOCTL = Native.downcallVariadic(socket_h.ioctl.address(),
            FunctionDescriptor.of(socket_h.C_INT, socket_h.C_INT, socket_h.C_LONG, socket_h.C_POINTER), 2);

    private static MethodHandle linkAccept4() {
        try {
            return Native.downcall(socket_h.accept4$address(), socket_h.accept4$descriptor(), true);
        } catch (LinkageError | RuntimeException missing) {
            // The bindings look every symbol up when first used, and throw if it is absent.
            return null;
        }
    }

    /** Whether the libc has accept4; without it, {@link #accept} and {@link #fcntl} stand in. */
    public static boolean hasAccept4() {
        return ACCEPT4 != null;
    }

    public static int socket(MemorySegment errno, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(errno, domain, type, protocol);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    public static int bind(MemorySegment errno, int fd, MemorySegment addr, int addrlen) {
        try {
            return (int) BIND.invokeExact(errno, fd, addr, addrlen);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    public static int listen(MemorySegment errno, int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(errno, fd, backlog);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** Only on a non-blocking listener; check {@link #hasAccept4()} first. */
    public static int accept4(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
        try {
            return (int) ACCEPT4.invokeExact(errno, fd, addr, addrlen, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** Only on a non-blocking listener. */
    public static int accept(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen) {
        try {
            return (int) ACCEPT.invokeExact(errno, fd, addr, addrlen);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** Only on a non-blocking socket. */
    public static int connect(MemorySegment errno, int fd, MemorySegment addr, int addrlen) {
        try {
            return (int) CONNECT.invokeExact(errno, fd, addr, addrlen);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** Only on a non-blocking socket; {@code buf} may be a heap segment. */
    public static long recv(MemorySegment errno, int fd, MemorySegment buf, long len, int flags) {
        try {
            return buf.isNative()
                    ? (long) RECV.handle().invokeExact(errno, (long) SYS_RECVFROM, (long) fd, buf, len, (long) flags, MemorySegment.NULL, 0L)
                    : (long) RECVFROM_SENDTO.invokeExact(errno, (long) SYS_RECVFROM, (long) fd, buf, len, (long) flags, MemorySegment.NULL, 0L);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** Only on a non-blocking socket; {@code buf} may be a heap segment. */
    public static long send(MemorySegment errno, int fd, MemorySegment buf, long len, int flags) {
        try {
            return buf.isNative()
                    ? (long) SEND.handle().invokeExact(errno, (long) SYS_SENDTO, (long) fd, buf, len, (long) flags, MemorySegment.NULL, 0L)
                    : (long) RECVFROM_SENDTO.invokeExact(errno, (long) SYS_SENDTO, (long) fd, buf, len, (long) flags, MemorySegment.NULL, 0L);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** {@link #recv} into {@code buf[offset, offset + len)}, checked by the caller; a native buffer is sliced inside the handle. */
    public static long recv(MemorySegment errno, int fd, MemorySegment buf, long offset, long len, int flags) {
        try {
            if (offset == 0 && len == buf.byteSize()) {
                return recv(errno, fd, buf, len, flags); // the whole segment: no slice at all
            }
            return buf.isNative()
                    ? (long) RANGE_NATIVE.handle().invokeExact(errno, (long) SYS_RECVFROM, (long) fd, buf, offset, len, (long) flags, MemorySegment.NULL, 0L)
                    : (long) RECVFROM_SENDTO.invokeExact(errno, (long) SYS_RECVFROM, (long) fd, buf.asSlice(offset, len), len, (long) flags, MemorySegment.NULL, 0L);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** {@link #send} from {@code buf[offset, offset + len)}, checked by the caller; a native buffer is sliced inside the handle. */
    public static long send(MemorySegment errno, int fd, MemorySegment buf, long offset, long len, int flags) {
        try {
            if (offset == 0 && len == buf.byteSize()) {
                return send(errno, fd, buf, len, flags); // the whole segment: no slice at all
            }
            return buf.isNative()
                    ? (long) RANGE_NATIVE.handle().invokeExact(errno, (long) SYS_SENDTO, (long) fd, buf, offset, len, (long) flags, MemorySegment.NULL, 0L)
                    : (long) RECVFROM_SENDTO.invokeExact(errno, (long) SYS_SENDTO, (long) fd, buf.asSlice(offset, len), len, (long) flags, MemorySegment.NULL, 0L);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** Only on a non-blocking socket; every iovec must point to native memory. */
    public static long sendmsg(MemorySegment errno, int fd, MemorySegment msg, int flags) {
        try {
            return (long) SENDMSG.handle().invokeExact(errno, fd, msg, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    public static int shutdown(MemorySegment errno, int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(errno, fd, how);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    public static int setsockopt(MemorySegment errno, int fd, int level, int optname, MemorySegment optval, int optlen) {
        try {
            return (int) SETSOCKOPT.invokeExact(errno, fd, level, optname, optval, optlen);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    public static int getsockopt(MemorySegment errno, int fd, int level, int optname, MemorySegment optval, MemorySegment optlen) {
        try {
            return (int) GETSOCKOPT.invokeExact(errno, fd, level, optname, optval, optlen);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    public static int getsockname(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen) {
        try {
            return (int) GETSOCKNAME.invokeExact(errno, fd, addr, addrlen);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    public static int getpeername(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen) {
        try {
            return (int) GETPEERNAME.invokeExact(errno, fd, addr, addrlen);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    public static int close(MemorySegment errno, int fd) {
        try {
            return (int) CLOSE.invokeExact(errno, fd);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** {@code ioctl(fd, request, argp)}, e.g. SIOCATMARK with an {@code int *}. */
    public static int ioctl(MemorySegment errno, int fd, long request, MemorySegment argp) {
        try {
            return (int) IOCTL.invokeExact(errno, fd, request, argp);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** {@code fcntl(fd, cmd, arg)}; for F_GETFL/F_GETFD pass 0 as {@code arg}. */
    public static int fcntl(MemorySegment errno, int fd, int cmd, int arg) {
        try {
            return (int) FCNTL.invokeExact(errno, fd, cmd, arg);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }
}
