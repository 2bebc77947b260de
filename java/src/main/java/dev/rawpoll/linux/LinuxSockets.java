package dev.rawpoll.linux;

import dev.rawpoll.internal.SocketAbi;
import dev.rawpoll.internal.SocketCalls;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link SocketCalls} on Linux: the static calls and constants of {@link Sockets}, behind the
 * interface {@code dev.rawpoll.net} uses on every OS. Each method is one static call, inlined.
 */
public final class LinuxSockets implements SocketCalls {
    /** The one instance. */
    public static final LinuxSockets INSTANCE = new LinuxSockets();

    private final SocketAbi abi = new SocketAbi(table());

    private LinuxSockets() {}

    /** The values of {@link Sockets}, by the names the socket ABI probe prints. */
    static Map<String, Long> table() {
        Map<String, Long> m = new HashMap<>();
        m.put("sizeof(struct sockaddr_in)", Sockets.SIZEOF_SOCKADDR_IN);
        m.put("offsetof(struct sockaddr_in, sin_family)", Sockets.OFFSETOF_SIN_FAMILY);
        m.put("offsetof(struct sockaddr_in, sin_port)", Sockets.OFFSETOF_SIN_PORT);
        m.put("offsetof(struct sockaddr_in, sin_addr)", Sockets.OFFSETOF_SIN_ADDR);
        m.put("sizeof(struct in_addr)", Sockets.SIZEOF_IN_ADDR);
        m.put("sizeof(struct sockaddr_in6)", Sockets.SIZEOF_SOCKADDR_IN6);
        m.put("offsetof(struct sockaddr_in6, sin6_family)", Sockets.OFFSETOF_SIN6_FAMILY);
        m.put("offsetof(struct sockaddr_in6, sin6_port)", Sockets.OFFSETOF_SIN6_PORT);
        m.put("offsetof(struct sockaddr_in6, sin6_flowinfo)", Sockets.OFFSETOF_SIN6_FLOWINFO);
        m.put("offsetof(struct sockaddr_in6, sin6_addr)", Sockets.OFFSETOF_SIN6_ADDR);
        m.put("offsetof(struct sockaddr_in6, sin6_scope_id)", Sockets.OFFSETOF_SIN6_SCOPE_ID);
        m.put("sizeof(struct in6_addr)", Sockets.SIZEOF_IN6_ADDR);
        m.put("sizeof(struct sockaddr_storage)", Sockets.SIZEOF_SOCKADDR_STORAGE);
        m.put("alignof(struct sockaddr_storage)", Sockets.ALIGNOF_SOCKADDR_STORAGE);
        m.put("offsetof(struct sockaddr_storage, ss_family)", Sockets.OFFSETOF_SS_FAMILY);
        m.put("sizeof(sa_family_t)", 2L);
        m.put("sizeof(struct linger)", Sockets.SIZEOF_LINGER);
        m.put("offsetof(struct linger, l_onoff)", Sockets.OFFSETOF_L_ONOFF);
        m.put("offsetof(struct linger, l_linger)", Sockets.OFFSETOF_L_LINGER);
        m.put("sizeof(struct iovec)", Sockets.SIZEOF_IOVEC);
        m.put("offsetof(struct iovec, iov_base)", Sockets.OFFSETOF_IOV_BASE);
        m.put("offsetof(struct iovec, iov_len)", Sockets.OFFSETOF_IOV_LEN);
        m.put("sizeof(struct msghdr)", Sockets.SIZEOF_MSGHDR);
        m.put("alignof(struct msghdr)", Sockets.ALIGNOF_MSGHDR);
        m.put("offsetof(struct msghdr, msg_iov)", Sockets.OFFSETOF_MSG_IOV);
        m.put("offsetof(struct msghdr, msg_iovlen)", Sockets.OFFSETOF_MSG_IOVLEN);
        m.put("sizeof(msg_iovlen)", Sockets.SIZEOF_MSG_IOVLEN);
        m.put("UIO_MAXIOV", (long) Sockets.UIO_MAXIOV);
        int[] constants = {
            Sockets.AF_INET, Sockets.AF_INET6, Sockets.SOCK_STREAM, Sockets.SOCK_NONBLOCK, Sockets.SOCK_CLOEXEC,
            Sockets.SOL_SOCKET, Sockets.SO_REUSEADDR, Sockets.SO_REUSEPORT, Sockets.SO_KEEPALIVE, Sockets.SO_RCVBUF,
            Sockets.SO_SNDBUF, Sockets.SO_ERROR, Sockets.SO_LINGER, Sockets.SO_OOBINLINE, Sockets.IPPROTO_TCP,
            Sockets.TCP_NODELAY, Sockets.MSG_NOSIGNAL, Sockets.MSG_OOB, Sockets.SHUT_RD, Sockets.SHUT_WR,
            Sockets.SHUT_RDWR, Sockets.F_GETFL, Sockets.F_SETFL, Sockets.F_GETFD, Sockets.F_SETFD, Sockets.O_NONBLOCK,
            Sockets.FD_CLOEXEC, Sockets.SIOCATMARK, Sockets.EINTR, Sockets.EAGAIN, Sockets.EINPROGRESS,
            Sockets.ECONNRESET, Sockets.EPIPE, Sockets.ECONNREFUSED, Sockets.ENOTCONN, Sockets.ECONNABORTED,
            Sockets.EADDRINUSE, Sockets.EAFNOSUPPORT, Sockets.EINVAL,
        };
        String[] names = {
            "AF_INET", "AF_INET6", "SOCK_STREAM", "SOCK_NONBLOCK", "SOCK_CLOEXEC",
            "SOL_SOCKET", "SO_REUSEADDR", "SO_REUSEPORT", "SO_KEEPALIVE", "SO_RCVBUF",
            "SO_SNDBUF", "SO_ERROR", "SO_LINGER", "SO_OOBINLINE", "IPPROTO_TCP",
            "TCP_NODELAY", "MSG_NOSIGNAL", "MSG_OOB", "SHUT_RD", "SHUT_WR",
            "SHUT_RDWR", "F_GETFL", "F_SETFL", "F_GETFD", "F_SETFD", "O_NONBLOCK",
            "FD_CLOEXEC", "SIOCATMARK", "EINTR", "EAGAIN", "EINPROGRESS",
            "ECONNRESET", "EPIPE", "ECONNREFUSED", "ENOTCONN", "ECONNABORTED",
            "EADDRINUSE", "EAFNOSUPPORT", "EINVAL",
        };
        for (int i = 0; i < names.length; i++) {
            m.put(names[i], (long) constants[i]);
        }
        return m;
    }

    @Override public SocketAbi abi() { return abi; }
    @Override public int socket(MemorySegment errno, int domain, int type, int protocol) { return Sockets.socket(errno, domain, type, protocol); }
    @Override public int bind(MemorySegment errno, int fd, MemorySegment addr, int addrlen) { return Sockets.bind(errno, fd, addr, addrlen); }
    @Override public int listen(MemorySegment errno, int fd, int backlog) { return Sockets.listen(errno, fd, backlog); }
    @Override public boolean hasAccept4() { return Sockets.hasAccept4(); }
    @Override public int accept4(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen, int flags) { return Sockets.accept4(errno, fd, addr, addrlen, flags); }
    @Override public int accept(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen) { return Sockets.accept(errno, fd, addr, addrlen); }
    @Override public int connect(MemorySegment errno, int fd, MemorySegment addr, int addrlen) { return Sockets.connect(errno, fd, addr, addrlen); }
    @Override public long recv(MemorySegment errno, int fd, MemorySegment buf, long len, int flags) { return Sockets.recv(errno, fd, buf, len, flags); }
    @Override public long send(MemorySegment errno, int fd, MemorySegment buf, long len, int flags) { return Sockets.send(errno, fd, buf, len, flags); }
    @Override public long recv(MemorySegment errno, int fd, MemorySegment buf, long offset, long len, int flags) { return Sockets.recv(errno, fd, buf, offset, len, flags); }
    @Override public long send(MemorySegment errno, int fd, MemorySegment buf, long offset, long len, int flags) { return Sockets.send(errno, fd, buf, offset, len, flags); }
    @Override public long sendmsg(MemorySegment errno, int fd, MemorySegment msg, int flags) { return Sockets.sendmsg(errno, fd, msg, flags); }
    @Override public int shutdown(MemorySegment errno, int fd, int how) { return Sockets.shutdown(errno, fd, how); }
    @Override public int setsockopt(MemorySegment errno, int fd, int level, int optname, MemorySegment optval, int optlen) { return Sockets.setsockopt(errno, fd, level, optname, optval, optlen); }
    @Override public int getsockopt(MemorySegment errno, int fd, int level, int optname, MemorySegment optval, MemorySegment optlen) { return Sockets.getsockopt(errno, fd, level, optname, optval, optlen); }
    @Override public int getsockname(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen) { return Sockets.getsockname(errno, fd, addr, addrlen); }
    @Override public int getpeername(MemorySegment errno, int fd, MemorySegment addr, MemorySegment addrlen) { return Sockets.getpeername(errno, fd, addr, addrlen); }
    @Override public int close(MemorySegment errno, int fd) { return Sockets.close(errno, fd); }
    @Override public int ioctl(MemorySegment errno, int fd, long request, MemorySegment argp) { return Sockets.ioctl(errno, fd, request, argp); }
    @Override public int fcntl(MemorySegment errno, int fd, int cmd, int arg) { return Sockets.fcntl(errno, fd, cmd, arg); }
}
