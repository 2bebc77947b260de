package dev.rawpoll.windows;

import dev.rawpoll.windows.bindings.WSABUF;
import dev.rawpoll.windows.bindings.WSAMSG;
import dev.rawpoll.windows.bindings.in6_addr;
import dev.rawpoll.windows.bindings.in_addr;
import dev.rawpoll.windows.bindings.linger;
import dev.rawpoll.windows.bindings.sockaddr_in;
import dev.rawpoll.windows.bindings.sockaddr_in6;
import dev.rawpoll.windows.bindings.sockaddr_storage;
import dev.rawpoll.windows.bindings.winsock_h;
import java.util.HashMap;
import java.util.Map;

/**
 * The socket ABI table of Windows x64 ({@link dev.rawpoll.internal.SocketAbi}'s names), read from
 * the jextract bindings of {@code native/windows/winsock.h}. Only layouts and constants: this class
 * links nothing and loads on any OS, so that {@code WinsockReferenceTest} can compare it on Linux
 * with what the same header and mingw-w64's SDK headers give under Wine.
 *
 * <p>Where Unix and Winsock name a thing differently, the Unix name carries the Winsock value of
 * the same meaning (the comments below say which); what Windows lacks is left out (SO_REUSEPORT,
 * MSG_NOSIGNAL: there is no SIGPIPE, SO_NOSIGPIPE, SOCK_NONBLOCK/SOCK_CLOEXEC, accept4, fcntl).
 */
public final class WinsockAbi {
    /**
     * The most WSABUFs one gathering write passes. Winsock documents no limit; this is Linux's
     * UIO_MAXIOV, so that {@code TcpStream.write(MemorySegment[], ...)} accepts the same counts on
     * every OS.
     */
    static final int MAX_WSABUFS = 1024;

    private WinsockAbi() {}

    /** Every size, offset and constant, by the names the socket ABI probes print. */
    public static Map<String, Long> table() {
        Map<String, Long> m = new HashMap<>();
        m.put("sizeof(struct sockaddr_in)", sockaddr_in.sizeof());
        m.put("offsetof(struct sockaddr_in, sin_family)", sockaddr_in.sin_family$offset());
        m.put("offsetof(struct sockaddr_in, sin_port)", sockaddr_in.sin_port$offset());
        m.put("offsetof(struct sockaddr_in, sin_addr)", sockaddr_in.sin_addr$offset());
        m.put("sizeof(struct in_addr)", in_addr.sizeof());
        m.put("sizeof(struct sockaddr_in6)", sockaddr_in6.sizeof());
        m.put("offsetof(struct sockaddr_in6, sin6_family)", sockaddr_in6.sin6_family$offset());
        m.put("offsetof(struct sockaddr_in6, sin6_port)", sockaddr_in6.sin6_port$offset());
        m.put("offsetof(struct sockaddr_in6, sin6_flowinfo)", sockaddr_in6.sin6_flowinfo$offset());
        m.put("offsetof(struct sockaddr_in6, sin6_addr)", sockaddr_in6.sin6_addr$offset());
        m.put("offsetof(struct sockaddr_in6, sin6_scope_id)", sockaddr_in6.sin6_scope_id$offset());
        m.put("sizeof(struct in6_addr)", in6_addr.sizeof());
        m.put("sizeof(struct sockaddr_storage)", sockaddr_storage.sizeof());
        m.put("alignof(struct sockaddr_storage)", sockaddr_storage.layout().byteAlignment());
        m.put("offsetof(struct sockaddr_storage, ss_family)", sockaddr_storage.ss_family$offset());
        m.put("sizeof(sa_family_t)", sockaddr_storage.ss_family$layout().byteSize()); // ADDRESS_FAMILY
        m.put("sizeof(struct linger)", linger.sizeof());
        m.put("offsetof(struct linger, l_onoff)", linger.l_onoff$offset());
        m.put("offsetof(struct linger, l_linger)", linger.l_linger$offset());
        m.put("sizeof(l_onoff)", linger.l_onoff$layout().byteSize());
        // struct iovec: WSABUF (the length first, a u_long); struct msghdr: WSAMSG
        m.put("sizeof(struct iovec)", WSABUF.sizeof());
        m.put("offsetof(struct iovec, iov_base)", WSABUF.buf$offset());
        m.put("offsetof(struct iovec, iov_len)", WSABUF.len$offset());
        m.put("sizeof(struct msghdr)", WSAMSG.sizeof());
        m.put("alignof(struct msghdr)", WSAMSG.layout().byteAlignment());
        m.put("offsetof(struct msghdr, msg_iov)", WSAMSG.lpBuffers$offset());
        m.put("offsetof(struct msghdr, msg_iovlen)", WSAMSG.dwBufferCount$offset());
        m.put("sizeof(msg_iovlen)", WSAMSG.dwBufferCount$layout().byteSize());
        m.put("UIO_MAXIOV", (long) MAX_WSABUFS);
        constant(m, "AF_INET", winsock_h.AF_INET());
        constant(m, "AF_INET6", winsock_h.AF_INET6());
        constant(m, "SOCK_STREAM", winsock_h.SOCK_STREAM());
        constant(m, "SOL_SOCKET", winsock_h.SOL_SOCKET());
        constant(m, "SO_REUSEADDR", winsock_h.SO_REUSEADDR());
        // What a Windows listener gets instead of SO_REUSEADDR (see TcpListener.bind).
        constant(m, "SO_EXCLUSIVEADDRUSE", winsock_h.SO_EXCLUSIVEADDRUSE());
        constant(m, "SO_KEEPALIVE", winsock_h.SO_KEEPALIVE());
        constant(m, "SO_RCVBUF", winsock_h.SO_RCVBUF());
        constant(m, "SO_SNDBUF", winsock_h.SO_SNDBUF());
        constant(m, "SO_ERROR", winsock_h.SO_ERROR());
        constant(m, "SO_LINGER", winsock_h.SO_LINGER());
        constant(m, "SO_OOBINLINE", winsock_h.SO_OOBINLINE());
        constant(m, "IPPROTO_TCP", winsock_h.IPPROTO_TCP());
        constant(m, "TCP_NODELAY", winsock_h.TCP_NODELAY());
        constant(m, "MSG_OOB", winsock_h.MSG_OOB());
        constant(m, "SHUT_RD", winsock_h.SD_RECEIVE());
        constant(m, "SHUT_WR", winsock_h.SD_SEND());
        constant(m, "SHUT_RDWR", winsock_h.SD_BOTH());
        constant(m, "SIOCATMARK", winsock_h.SIOCATMARK());
        constant(m, "EINTR", winsock_h.WSAEINTR());
        constant(m, "EAGAIN", winsock_h.WSAEWOULDBLOCK());
        // A non-blocking connect under way fails with WSAEWOULDBLOCK (Winsock's connect page);
        // WSAEINPROGRESS means something else there (a blocking Winsock 1.1 call in progress).
        constant(m, "EINPROGRESS", winsock_h.WSAEWOULDBLOCK());
        constant(m, "ECONNRESET", winsock_h.WSAECONNRESET());
        // send after shutdown(SD_SEND): EPIPE on Unix, WSAESHUTDOWN here.
        constant(m, "EPIPE", winsock_h.WSAESHUTDOWN());
        constant(m, "ECONNREFUSED", winsock_h.WSAECONNREFUSED());
        constant(m, "ENOTCONN", winsock_h.WSAENOTCONN());
        // ECONNABORTED is only used for what accept answers for a connection its client gave up
        // before it was accepted (it is skipped): WSAECONNRESET on Windows (Winsock's accept page).
        constant(m, "ECONNABORTED", winsock_h.WSAECONNRESET());
        constant(m, "EADDRINUSE", winsock_h.WSAEADDRINUSE());
        constant(m, "EAFNOSUPPORT", winsock_h.WSAEAFNOSUPPORT());
        constant(m, "EINVAL", winsock_h.WSAEINVAL());
        return m;
    }

    private static void constant(Map<String, Long> m, String name, int value) {
        m.put(name, (long) value);
    }
}
